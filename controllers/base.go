// Package controllers holds one thin reconciler per kind of the ec2.autoscale-operator.io API. All
// three run one skeleton (reconcile.go): read the object, defer one patch of status and
// finalizers, and branch to reconcileDelete or reconcileNormal. Every AWS call, and every AWS
// word, goes through internal/cloud; policy (names, diffs, status merging) lives in pure
// functions with table tests.
package controllers

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// Finalizer keeps an object until its AWS resources are deleted (or orphaned).
const Finalizer = "autoscale-operator.io/finalizer"

// Defaults of Options.
const (
	DefaultSyncPeriod = 60 * time.Second
	DefaultClusterID  = "default"
)

// Requeue intervals.
const (
	// progressRequeue is how soon an object whose AWS resource is changing (an activity in progress,
	// a group scaling to zero) is looked at again.
	progressRequeue = 5 * time.Second
	// busyRequeue is the wait after AWS said it is busy with the resource (cloud.IsBusy).
	busyRequeue = 10 * time.Second
	// inUseRequeue is how often a launch configuration waiting for groups to let go of it checks again.
	inUseRequeue = 15 * time.Second
)

// workqueueRL is the queue event handlers add requests to.
type workqueueRL = workqueue.TypedRateLimitingInterface[reconcile.Request]

// Cloud gives the AWS services of a location; *cloud.Provider implements it.
type Cloud interface {
	Services(cloud.Location) cloud.Services
	// WaitActivityNews blocks until some groups have scaling activities their objects have not
	// seen, and names them.
	WaitActivityNews(ctx context.Context) ([]cloud.GroupRef, error)
	// Start runs the provider's background work (the activity feeds) until ctx ends.
	Start(ctx context.Context) error
}

// Options configure the reconcilers; the manager fills them from its flags.
type Options struct {
	// Cloud gives the AWS services of each location.
	Cloud Cloud
	// DefaultRegion is the region of objects whose spec.region is empty.
	DefaultRegion string
	// ClusterID goes into the owner tag, <cluster-id>/<namespace>/<name>, so several clusters can
	// share one AWS account without touching each other's resources.
	ClusterID string
	// SyncPeriod is how often each object is compared with AWS when nothing else happens; each
	// requeue is jittered by ±10 %.
	SyncPeriod time.Duration
	// MaxConcurrentReconciles per kind.
	MaxConcurrentReconciles int
	// Metrics, when set, counts objects by state.
	Metrics *Metrics
	// SkipNameValidation lets a test start several managers in one process.
	SkipNameValidation bool
}

func (o Options) withDefaults() Options {
	if o.SyncPeriod <= 0 {
		o.SyncPeriod = DefaultSyncPeriod
	}
	if o.ClusterID == "" {
		o.ClusterID = DefaultClusterID
	}
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = 1
	}
	return o
}

// base is what the three reconcilers share.
type base struct {
	client.Client
	opts     Options
	recorder events.EventRecorder
	kind     string
}

// controllerOptions: concurrency from the flags, and a per-object backoff that starts at one
// second (the SDK has already retried a few times by the time an error reaches us) and caps at
// five minutes, so an AWS outage costs at most a call every few minutes per object.
func (b *base) controllerOptions() controller.Options {
	skip := b.opts.SkipNameValidation
	return controller.Options{
		MaxConcurrentReconciles: b.opts.MaxConcurrentReconciles,
		RateLimiter: workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, 5*time.Minute),
			&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
		),
		SkipNameValidation: &skip,
	}
}

// services returns the AWS services of an object's region (its spec.region, else the default).
func (b *base) services(region string) cloud.Services {
	if region == "" {
		region = b.opts.DefaultRegion
	}
	return b.opts.Cloud.Services(cloud.Location{Region: region})
}

// syncResult is the periodic requeue, jittered ±10 % so objects created together do not poll AWS in lockstep.
func (b *base) syncResult() ctrl.Result {
	return ctrl.Result{RequeueAfter: jitter(b.opts.SyncPeriod)}
}

// soonResult requeues after d (jittered), capped at the sync period.
func (b *base) soonResult(d time.Duration) ctrl.Result {
	if d > b.opts.SyncPeriod {
		d = b.opts.SyncPeriod
	}
	return ctrl.Result{RequeueAfter: jitter(d)}
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// event records a Kubernetes Event about obj. Notes must never carry user data.
func (b *base) event(obj runtime.Object, eventType, reason, action, note string, args ...any) {
	b.eventAbout(obj, nil, eventType, reason, action, note, args...)
}

// eventAbout records an Event about obj that concerns an AWS thing (a scaling activity, an
// alarm), named as the Event's related object. The events API folds Events that differ only in
// their note into one series; the related reference keeps each activity its own Event.
func (b *base) eventAbout(obj runtime.Object, related *corev1.ObjectReference, eventType, reason, action, note string, args ...any) {
	if b.recorder == nil {
		return
	}
	var rel runtime.Object
	if related != nil {
		rel = related
	}
	b.recorder.Eventf(obj, rel, eventType, reason, action, note, args...)
}

// announce emits a Warning Event when the Ready condition moved to a new problem, so a retried
// error is reported once rather than once per retry.
func (b *base) announce(obj runtime.Object, before *metav1.Condition, c conditions) {
	after := c.ready()
	if readyTransitionWarning(before, after) {
		b.event(obj, corev1.EventTypeWarning, after.Reason, "Reconcile", "%s", after.Message)
	}
}

// awsMessage is the condition message of an AWS error: "AWS <Code>: <message>".
func awsMessage(err error) string {
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return ce.Error()
	}
	return err.Error()
}

// awsFailure records an AWS error in the conditions and says how to go on: terminal errors
// (AWS rejected the spec) stall the object and are not retried until the spec changes; "not now"
// errors requeue after a pause; anything else goes back to the workqueue's exponential backoff.
func (b *base) awsFailure(ctx context.Context, c conditions, err error) (ctrl.Result, error) {
	if ctx.Err() != nil {
		return ctrl.Result{}, err
	}
	var ce *cloud.Error
	if !errors.As(err, &ce) {
		// No AWS error code: the network, the endpoint, exhausted retries.
		c.markProgressing(ec2v1alpha1.ReasonAWSError, "Calling AWS failed: "+err.Error())
		return ctrl.Result{}, err
	}
	msg := awsMessage(err)
	switch cloud.ClassOf(err) {
	case cloud.ClassTerminal:
		c.markStalled(ec2v1alpha1.ReasonInvalidSpec, msg)
		return ctrl.Result{}, reconcile.TerminalError(err)
	case cloud.ClassWaitAndRequeue:
		c.markProgressing(ec2v1alpha1.ReasonAWSError, msg)
		// AWS busy with the resource is worth a quick second look; the other waits (quotas,
		// credentials) need someone to act and are looked at once per sync period.
		if cloud.IsBusy(err) {
			return b.soonResult(busyRequeue), nil
		}
		return b.syncResult(), nil
	default:
		c.markProgressing(ec2v1alpha1.ReasonAWSError, msg)
		return ctrl.Result{}, err
	}
}
