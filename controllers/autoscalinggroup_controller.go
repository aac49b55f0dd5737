package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// AutoScalingGroupReconciler reconciles AutoScalingGroup objects.
type AutoScalingGroupReconciler struct {
	base
	settled settledGroups
}

// +kubebuilder:rbac:groups=ec2.autoscale-operator.io,resources=autoscalinggroups,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=ec2.autoscale-operator.io,resources=autoscalinggroups/status,verbs=patch

// Reconcile makes the group in AWS match the object and reports what AWS does with it, or deletes it.
func (r *AutoScalingGroupReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return reconcileObject(ctx, &r.base, req, &ec2v1alpha1.AutoScalingGroup{}, r.reconcileNormal, r.reconcileDelete)
}

func (r *AutoScalingGroupReconciler) owner(g *ec2v1alpha1.AutoScalingGroup) string {
	return ownerTagValue(r.opts.ClusterID, g.Namespace, g.Name)
}

func (r *AutoScalingGroupReconciler) reconcileNormal(ctx context.Context, g *ec2v1alpha1.AutoScalingGroup, p *patcher, c conditions) (ctrl.Result, error) {
	name := g.Name
	logger := log.FromContext(ctx)

	lcName, msg, err := r.launchConfigurationName(ctx, g)
	if err != nil {
		return ctrl.Result{}, err
	}
	if lcName == "" {
		// The launch configuration watch brings us back once it exists.
		c.markProgressing(ec2v1alpha1.ReasonLaunchConfigurationNotReady, msg)
		return r.syncResult(), nil
	}
	svc := r.services(g.Spec.Region).AutoScaling
	if err := r.ensureFinalizer(ctx, g, p); err != nil {
		return ctrl.Result{}, err
	}

	// A settled group may be read from the provider's bulk inventory; anything in motion is read
	// fresh. One that only waits for its activity history to catch up was seen settled moments
	// ago, so a recent inventory read does: forcing fresh reads of a fleet of such groups would
	// take Auto Scaling calls from creating the rest of it.
	maxAge := time.Duration(0)
	switch ready := c.ready(); {
	case c.isReady() && g.Status.ObservedGeneration == g.Generation:
		maxAge = r.opts.SyncPeriod / 2
	case ready != nil && ready.Reason == ec2v1alpha1.ReasonActivityHistoryPending && ready.ObservedGeneration == g.Generation:
		maxAge = 2 * progressRequeue
	}
	current, err := svc.DescribeGroup(ctx, name, maxAge)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	in := &cloud.GroupInput{Name: name, LaunchConfigurationName: lcName, Spec: &g.Spec, OwnerTag: r.owner(g)}
	if current == nil {
		logger.V(1).Info("creating group", "launchConfiguration", lcName)
		err := svc.CreateGroup(ctx, in)
		switch {
		case err == nil:
			r.event(g, corev1.EventTypeNormal, "Created", "Create", "Created Auto Scaling group %s with launch configuration %s", name, lcName)
		case cloud.IsAlreadyExists(err):
			// Someone (or our previous incarnation) got there first: look, then judge by the owner tag.
		default:
			return r.awsFailure(ctx, c, err)
		}
		if current, err = svc.DescribeGroup(ctx, name, 0); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		if current == nil {
			c.markProgressing(ec2v1alpha1.ReasonProgressing, "Created the group; waiting for AWS to list it")
			return r.soonResult(progressRequeue), nil
		}
	}
	if current.Deleting() {
		c.markProgressing(ec2v1alpha1.ReasonProgressing, "AWS is deleting a group of this name; it will be recreated once it is gone")
		return r.soonResult(progressRequeue), nil
	}

	decision, conflictMsg := current.Ownership(in.OwnerTag, g.Annotations[ec2v1alpha1.AdoptAnnotation] == "true")
	switch decision {
	case cloud.Conflicting:
		// Touch nothing; an annotation or a rename brings us back. The periodic sync notices
		// when the other group goes away.
		c.markStalled(ec2v1alpha1.ReasonConflict, conflictMsg)
		return r.syncResult(), nil
	case cloud.Adoptable:
		if err := svc.SetOwnerTag(ctx, name, in.OwnerTag); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		r.event(g, corev1.EventTypeNormal, "Adopted", "Adopt", "Adopted the existing Auto Scaling group %s", name)
	}

	updated, err := svc.UpdateGroup(ctx, in, current)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	if updated {
		r.event(g, corev1.EventTypeNormal, "Updated", "Update", "Updated Auto Scaling group %s to match the spec", name)
	}
	if updated || decision == cloud.Adoptable {
		if current, err = svc.DescribeGroup(ctx, name, 0); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		if current == nil {
			c.markProgressing(ec2v1alpha1.ReasonProgressing, "The group disappeared while it was updated; it will be recreated")
			return r.soonResult(progressRequeue), nil
		}
	}

	historyAsOf, err := r.observe(ctx, svc, g, current)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	return r.judge(g, c, current, historyAsOf, updated), nil
}

// observe writes what AWS reports of the group into status, its scaling activities included (on
// every sync: the provider's account-wide feed makes that free), and emits one Event per new
// activity. It returns how fresh the activity history is (see cloud.AutoScaling.ScalingActivities),
// or the zero time when the object keeps no history.
func (r *AutoScalingGroupReconciler) observe(ctx context.Context, svc cloud.AutoScaling, g *ec2v1alpha1.AutoScalingGroup, current *cloud.Group) (time.Time, error) {
	prev := g.Status.DeepCopy()
	next := &g.Status
	defer r.opts.Metrics.observeGroup(client.ObjectKeyFromObject(g), prev, next)
	next.AWSName = current.Name
	next.ARN = current.ARN
	next.LaunchConfigurationName = current.LaunchConfigurationName
	next.DesiredCapacity = ptr.To(current.DesiredCapacity)
	next.Selector = scaleSelector(g.Name)
	next.Instances, next.InstanceCounts, next.InServiceCount = summarizeInstances(current.Instances, maxInstancesInStatus)

	limit := activityHistoryLimit(g)
	if limit == 0 {
		next.Activities = nil
		return time.Time{}, nil
	}
	fetched, asOf, err := svc.ScalingActivities(ctx, current.Name, activitiesSince(prev.Activities), limit)
	if err != nil {
		return time.Time{}, err
	}
	merged, added := mergeActivities(prev.Activities, fetched, limit)
	next.Activities = merged
	for _, a := range added {
		eventType := corev1.EventTypeNormal
		if cloud.ActivityFailed(a) {
			eventType = corev1.EventTypeWarning
		}
		r.eventAbout(g, cloud.ActivityReference(a.ActivityID), eventType, "ScalingActivity", "Scale", "%s", activityEventNote(a))
	}
	return asOf, nil
}

// judge sets the conditions from the observed group: Ready once it matches the spec, every
// desired instance is InService, no activity is in progress, and (when Ready is new) the activity
// history shows how the group got there; until then it is looked at every few seconds.
func (r *AutoScalingGroupReconciler) judge(g *ec2v1alpha1.AutoScalingGroup, c conditions, current *cloud.Group, historyAsOf time.Time, updated bool) ctrl.Result {
	st := &g.Status
	desired := ptr.Deref(st.DesiredCapacity, 0)
	inProgress := anyActivityInProgress(st.Activities)
	switch {
	case updated:
		r.settled.forget(g.UID)
		c.markProgressing(ec2v1alpha1.ReasonProgressing, "Updated the group to match the spec; waiting for it to settle")
	case inProgress || st.InServiceCount < desired:
		r.settled.forget(g.UID)
		if !inProgress && len(st.Activities) > 0 && cloud.ActivityFailed(st.Activities[0]) {
			c.markProgressing(ec2v1alpha1.ReasonAWSError, fmt.Sprintf("%d of %d instances InService; the latest scaling activity failed: %s",
				st.InServiceCount, desired, st.Activities[0].StatusMessage))
			return r.soonResult(busyRequeue)
		}
		c.markProgressing(ec2v1alpha1.ReasonScalingActivityInProgress, fmt.Sprintf("%d of %d instances InService; scaling in progress", st.InServiceCount, desired))
	default:
		// The group looks settled. If Ready is news, the history must already hold the
		// activities that brought the group here: the history has to be at least as fresh as
		// the first describe that showed the group settled. (Not the latest describe: a new
		// one each look would always be ahead of the history.)
		settledAt := r.settled.since(g.UID, g.Generation, current.ObservedAt)
		alreadyReady := c.isReady() && st.ObservedGeneration == g.Generation
		if !alreadyReady && activityHistoryLimit(g) > 0 && historyAsOf.Before(settledAt) {
			c.markProgressing(ec2v1alpha1.ReasonActivityHistoryPending, fmt.Sprintf(
				"%d of %d instances InService; waiting for the scaling activity history to catch up", st.InServiceCount, desired))
			return r.soonResult(progressRequeue)
		}
		r.settled.forget(g.UID)
		c.markReady(ec2v1alpha1.ReasonReconciled, fmt.Sprintf("Group %s matches the spec: %d of %d instances InService", st.AWSName, st.InServiceCount, desired))
		return r.syncResult()
	}
	return r.soonResult(progressRequeue)
}

// activityHistoryLimit is how many activities the object keeps in status.
func activityHistoryLimit(g *ec2v1alpha1.AutoScalingGroup) int {
	if g.Spec.ActivityHistoryLimit != nil {
		return int(*g.Spec.ActivityHistoryLimit)
	}
	return defaultActivityHistoryLimit
}

// settledGroups remembers, per object, when a group was first seen settled (every desired
// instance InService, nothing in progress) for the generation at hand, until it is Ready or moves
// again. It lives in memory: after a restart the first look starts a new streak, which costs at
// most one more activity poll before Ready.
type settledGroups struct {
	mu sync.Mutex
	m  map[types.UID]settledStreak
}

type settledStreak struct {
	generation int64
	since      time.Time
}

// since records observedAt as the start of uid's streak unless one is running for generation,
// and returns the streak's start.
func (s *settledGroups) since(uid types.UID, generation int64, observedAt time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.m[uid]; ok && st.generation == generation {
		return st.since
	}
	if s.m == nil {
		s.m = map[types.UID]settledStreak{}
	}
	s.m[uid] = settledStreak{generation: generation, since: observedAt}
	return observedAt
}

func (s *settledGroups) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, uid)
}

// launchConfigurationName is the AWS name of the group's launch configuration, or "" and a
// message while it does not exist yet.
func (r *AutoScalingGroupReconciler) launchConfigurationName(ctx context.Context, g *ec2v1alpha1.AutoScalingGroup) (string, string, error) {
	lc := &ec2v1alpha1.LaunchConfiguration{}
	ref := g.Spec.LaunchConfigurationRef.Name
	if err := r.Get(ctx, client.ObjectKey{Namespace: g.Namespace, Name: ref}, lc); err != nil {
		if apierrors.IsNotFound(err) {
			return "", fmt.Sprintf("Waiting for LaunchConfiguration %s: it does not exist", ref), nil
		}
		return "", "", err
	}
	if lc.Status.AWSName == "" {
		return "", fmt.Sprintf("Waiting for LaunchConfiguration %s to be created in AWS", ref), nil
	}
	return lc.Status.AWSName, "", nil
}

func (r *AutoScalingGroupReconciler) reconcileDelete(ctx context.Context, g *ec2v1alpha1.AutoScalingGroup, c conditions) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(g, Finalizer) {
		return ctrl.Result{}, nil
	}
	name := g.Name
	svc := r.services(g.Spec.Region).AutoScaling
	current, err := svc.DescribeGroup(ctx, name, 0)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	r.settled.forget(g.UID)
	if current == nil {
		if g.Status.AWSName != "" {
			r.event(g, corev1.EventTypeNormal, "Deleted", "Delete", "Auto Scaling group %s is gone", name)
		}
		controllerutil.RemoveFinalizer(g, Finalizer)
		return ctrl.Result{}, nil
	}
	if current.OwnerTag() != r.owner(g) {
		// Never ours (a Conflict) or no longer ours: leave it exactly as it is.
		controllerutil.RemoveFinalizer(g, Finalizer)
		return ctrl.Result{}, nil
	}
	if g.Spec.DeletionPolicy == ec2v1alpha1.DeletionPolicyOrphan {
		if err := svc.SetOwnerTag(ctx, name, ""); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		r.event(g, corev1.EventTypeNormal, "Orphaned", "Delete", "Removed the owner tag and left Auto Scaling group %s running", name)
		controllerutil.RemoveFinalizer(g, Finalizer)
		return ctrl.Result{}, nil
	}

	g.Status.DesiredCapacity = ptr.To(current.DesiredCapacity)
	g.Status.Instances, g.Status.InstanceCounts, g.Status.InServiceCount = summarizeInstances(current.Instances, maxInstancesInStatus)
	if current.Deleting() {
		c.markProgressing(ec2v1alpha1.ReasonDeleting, fmt.Sprintf("AWS is deleting the group (%d instances left)", len(current.Instances)))
		return r.soonResult(progressRequeue), nil
	}
	if g.Spec.ForceDelete {
		if err := svc.DeleteGroup(ctx, name, true); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		r.event(g, corev1.EventTypeNormal, "Deleting", "Delete", "Deleting Auto Scaling group %s and terminating its %d instances", name, len(current.Instances))
		c.markProgressing(ec2v1alpha1.ReasonDeleting, "Deleting the group and terminating its instances")
		return r.soonResult(progressRequeue), nil
	}
	if current.MinSize != 0 || current.MaxSize != 0 || current.DesiredCapacity != 0 {
		zero := g.Spec.DeepCopy()
		zero.MinSize, zero.MaxSize, zero.DesiredCapacity = 0, 0, ptr.To[int32](0)
		in := &cloud.GroupInput{Name: name, LaunchConfigurationName: current.LaunchConfigurationName, Spec: zero, OwnerTag: r.owner(g)}
		if _, err := svc.UpdateGroup(ctx, in, current); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		r.event(g, corev1.EventTypeNormal, "Deleting", "Delete", "Scaling Auto Scaling group %s to zero before deleting it", name)
		c.markProgressing(ec2v1alpha1.ReasonDeleting, "Scaling the group to zero before deleting it")
		return r.soonResult(progressRequeue), nil
	}
	if n := len(current.Instances); n > 0 {
		c.markProgressing(ec2v1alpha1.ReasonDeleting, fmt.Sprintf("Waiting for %d instances to terminate before deleting the group", n))
		return r.soonResult(progressRequeue), nil
	}
	if err := svc.DeleteGroup(ctx, name, false); err != nil {
		return r.awsFailure(ctx, c, err)
	}
	r.event(g, corev1.EventTypeNormal, "Deleting", "Delete", "Deleting Auto Scaling group %s", name)
	c.markProgressing(ec2v1alpha1.ReasonDeleting, "Deleting the group")
	return r.soonResult(progressRequeue), nil
}

// SetupWithManager registers the reconciler: groups (spec and annotation changes, the latter for
// adoption) and their launch configurations (when one gets a new AWS name).
func (r *AutoScalingGroupReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&ec2v1alpha1.AutoScalingGroup{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&ec2v1alpha1.LaunchConfiguration{}, handler.EnqueueRequestsFromMapFunc(r.groupsForLaunchConfiguration),
			builder.WithPredicates(launchConfigurationAWSNameChanged())).
		WatchesRawSource(source.Func(r.activityNews)).
		WithOptions(r.controllerOptions()).
		Named("autoscalinggroup").
		Complete(r)
}

// activityNews reconciles, as soon as the provider's activity feed reports them, the groups whose
// scaling activities changed: an activity that nothing else announces (an unhealthy instance
// replaced, an alarm's or a schedule's scaling) reaches status and Events within one poll of the
// feed rather than at the next sync.
func (r *AutoScalingGroupReconciler) activityNews(ctx context.Context, q workqueueRL) error {
	go func() {
		for {
			refs, err := r.opts.Cloud.WaitActivityNews(ctx)
			if err != nil {
				return // ctx ended
			}
			for _, ref := range refs {
				for _, req := range r.groupsNamed(ctx, ref) {
					q.Add(req)
				}
			}
		}
	}()
	return nil
}

// groupsNamed finds the objects realised as the AWS group ref.
func (r *AutoScalingGroupReconciler) groupsNamed(ctx context.Context, ref cloud.GroupRef) []reconcile.Request {
	list := &ec2v1alpha1.AutoScalingGroupList{}
	if err := r.List(ctx, list, client.MatchingFields{indexGroupByAWSName: ref.Name}); err != nil {
		log.FromContext(ctx).Error(err, "listing groups by AWS name", "group", ref.Name)
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		g := &list.Items[i]
		if region := g.Spec.Region; region == ref.Region || (region == "" && r.opts.DefaultRegion == ref.Region) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(g)})
		}
	}
	return reqs
}

func (r *AutoScalingGroupReconciler) groupsForLaunchConfiguration(ctx context.Context, obj client.Object) []reconcile.Request {
	return referrers(ctx, r.Client, &ec2v1alpha1.AutoScalingGroupList{}, indexGroupByLaunchConfiguration, obj)
}

// launchConfigurationAWSNameChanged passes launch configuration events that matter to groups: a new
// one, a new AWS name (created or a new version), and deletion.
func launchConfigurationAWSNameChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, ok1 := e.ObjectOld.(*ec2v1alpha1.LaunchConfiguration)
			n, ok2 := e.ObjectNew.(*ec2v1alpha1.LaunchConfiguration)
			return !ok1 || !ok2 || o.Status.AWSName != n.Status.AWSName
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}
