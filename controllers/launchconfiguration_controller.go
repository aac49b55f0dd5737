package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// launchConfigurationsAnnotation lists, comma-separated, every AWS launch configuration name this
// object may have created. A name is recorded before the create call, so a crash between the
// call and the status write cannot leak a launch configuration: the next reconcile (or the
// deletion) finds every name here and cleans up the ones no group uses.
const launchConfigurationsAnnotation = "autoscale-operator.io/launch-configurations"

// LaunchConfigurationReconciler reconciles LaunchConfiguration objects.
type LaunchConfigurationReconciler struct {
	base
	// secrets reads user-data Secrets straight from the API server: the manager caches only
	// Secrets' metadata (for the watch), never their data.
	secrets client.Reader
}

// RBAC, least privilege (test/security checks it against a reviewed table): status is only ever
// patched, never read through the subresource; and no kind needs finalizers/update, which guards
// only ownerReferences with blockOwnerDeletion (OwnerReferencesPermissionEnforcement), and the
// reconcilers set none.
// +kubebuilder:rbac:groups=ec2.autoscale-operator.io,resources=launchconfigurations,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=ec2.autoscale-operator.io,resources=launchconfigurations/status,verbs=patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile makes the launch configuration in AWS match the object, or deletes it.
func (r *LaunchConfigurationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return reconcileObject(ctx, &r.base, req, &ec2v1alpha1.LaunchConfiguration{}, r.reconcileNormal, r.reconcileDelete)
}

func (r *LaunchConfigurationReconciler) reconcileNormal(ctx context.Context, lc *ec2v1alpha1.LaunchConfiguration, p *patcher, c conditions) (ctrl.Result, error) {
	userData, found, msg, err := r.userData(ctx, lc)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !found {
		// The Secret watch brings us back when it appears; no polling.
		c.markStalled(ec2v1alpha1.ReasonUserDataSecretNotFound, msg)
		return ctrl.Result{}, nil
	}
	name := launchConfigurationAWSName(lc.Namespace, lc.Name, launchConfigurationSpecHash(&lc.Spec, userData))
	logger := log.FromContext(ctx).WithValues("awsName", name)

	svc := r.services(lc.Spec.Region).AutoScaling
	// The finalizer and the name go into the object before anything is created in AWS.
	controllerutil.AddFinalizer(lc, Finalizer)
	setRecordedNames(lc, addName(recordedNames(lc), name))
	if err := p.patch(ctx, r.Client, lc); err != nil {
		return ctrl.Result{}, err
	}

	current, err := svc.DescribeLaunchConfiguration(ctx, name)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	if current == nil {
		logger.V(1).Info("creating launch configuration")
		err := svc.CreateLaunchConfiguration(ctx, name, &lc.Spec, userData)
		if err != nil && !cloud.IsAlreadyExists(err) {
			return r.awsFailure(ctx, c, err)
		}
		// Launch configurations carry no tags, and the name holds a hash of this object's
		// namespace, name and spec: one that already exists under it is ours, from a create whose
		// answer we lost.
		if current, err = svc.DescribeLaunchConfiguration(ctx, name); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		if current == nil {
			c.markProgressing(ec2v1alpha1.ReasonProgressing, fmt.Sprintf("created launch configuration %s; waiting for AWS to list it", name))
			return r.soonResult(progressRequeue), nil
		}
		r.event(lc, corev1.EventTypeNormal, "Created", "Create", "Created launch configuration %s", name)
	}
	lc.Status.AWSName = current.Name
	lc.Status.ARN = current.ARN
	if !current.CreatedTime.IsZero() {
		t := metav1.NewTime(current.CreatedTime)
		lc.Status.CreatedTime = &t
	}

	pending, err := r.cleanupOldVersions(ctx, svc, lc, p, name)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	c.markReady(ec2v1alpha1.ReasonReconciled, fmt.Sprintf("Launch configuration %s exists", name))
	if pending {
		// Group moves re-trigger us through the group watch; this is the safety net.
		return r.soonResult(inUseRequeue), nil
	}
	return r.syncResult(), nil
}

// cleanupOldVersions deletes the earlier versions of this launch configuration that no group uses
// any more. It reports whether some are still in use.
func (r *LaunchConfigurationReconciler) cleanupOldVersions(ctx context.Context, svc cloud.AutoScaling, lc *ec2v1alpha1.LaunchConfiguration, p *patcher, current string) (bool, error) {
	names := recordedNames(lc)
	pending := false
	var firstErr error
	for _, old := range names {
		if old == current {
			continue
		}
		gone, users, err := r.deleteIfUnused(ctx, svc, old)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if !gone {
			log.FromContext(ctx).V(1).Info("old launch configuration still in use", "old", old, "groups", users)
			pending = true
			continue
		}
		setRecordedNames(lc, removeName(recordedNames(lc), old))
	}
	if err := p.patch(ctx, r.Client, lc); err != nil && firstErr == nil {
		firstErr = err
	}
	return pending, firstErr
}

// deleteIfUnused deletes the named launch configuration unless a group uses it; gone reports
// whether it no longer exists, users names the groups that keep it.
func (r *LaunchConfigurationReconciler) deleteIfUnused(ctx context.Context, svc cloud.AutoScaling, name string) (gone bool, users []string, err error) {
	existing, err := svc.DescribeLaunchConfiguration(ctx, name)
	if err != nil {
		return false, nil, err
	}
	if existing == nil {
		return true, nil, nil
	}
	users, err = svc.GroupsUsingLaunchConfiguration(ctx, name)
	if err != nil {
		return false, nil, err
	}
	if len(users) > 0 {
		return false, users, nil
	}
	if err := svc.DeleteLaunchConfiguration(ctx, name); err != nil {
		if cloud.IsWaitAndRequeue(err) {
			// In use: a group took it between our look and the delete.
			return false, nil, nil
		}
		return false, nil, err
	}
	log.FromContext(ctx).Info("deleted launch configuration", "awsName", name)
	return true, nil, nil
}

func (r *LaunchConfigurationReconciler) reconcileDelete(ctx context.Context, lc *ec2v1alpha1.LaunchConfiguration, c conditions) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(lc, Finalizer) {
		return ctrl.Result{}, nil
	}
	names := recordedNames(lc)
	if lc.Status.AWSName != "" {
		names = addName(names, lc.Status.AWSName)
	}
	if lc.Spec.DeletionPolicy == ec2v1alpha1.DeletionPolicyOrphan || len(names) == 0 {
		// Launch configurations have no tags, so orphaning one is leaving it. A name never
		// recorded was never created: no AWS call at all.
		if len(names) > 0 {
			r.event(lc, corev1.EventTypeNormal, "Orphaned", "Delete", "Left launch configuration(s) %s in AWS", strings.Join(names, ", "))
		}
		controllerutil.RemoveFinalizer(lc, Finalizer)
		return ctrl.Result{}, nil
	}

	svc := r.services(lc.Spec.Region).AutoScaling
	inUse := map[string][]string{}
	var firstErr error
	for _, name := range names {
		gone, users, err := r.deleteIfUnused(ctx, svc, name)
		switch {
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
		case gone:
			setRecordedNames(lc, removeName(recordedNames(lc), name))
		case len(users) > 0:
			inUse[name] = users
		}
	}
	if firstErr != nil {
		return r.awsFailure(ctx, c, firstErr)
	}
	if len(recordedNames(lc)) > 0 || len(inUse) > 0 {
		if len(inUse) > 0 {
			c.markProgressing(ec2v1alpha1.ReasonInUse, inUseMessage(inUse))
			return r.soonResult(inUseRequeue), nil
		}
		c.markProgressing(ec2v1alpha1.ReasonDeleting, "Waiting for AWS to release the launch configuration")
		return r.soonResult(busyRequeue), nil
	}
	r.event(lc, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted launch configuration(s) %s", strings.Join(names, ", "))
	controllerutil.RemoveFinalizer(lc, Finalizer)
	return ctrl.Result{}, nil
}

// inUseMessage names the groups that hold each launch configuration.
func inUseMessage(inUse map[string][]string) string {
	var lcs []string
	var groups []string
	for lc, gs := range inUse {
		lcs = append(lcs, lc)
		groups = append(groups, gs...)
	}
	slices.Sort(lcs)
	slices.Sort(groups)
	groups = slices.Compact(groups)
	return fmt.Sprintf("Deletion waits: Auto Scaling group(s) %s still use launch configuration %s; delete the groups or move them to another launch configuration",
		strings.Join(groups, ", "), strings.Join(lcs, ", "))
}

// userData resolves the user data: inline, or from the Secret. found is false (with a message
// that says what to do) when the Secret or its key is missing.
func (r *LaunchConfigurationReconciler) userData(ctx context.Context, lc *ec2v1alpha1.LaunchConfiguration) (data string, found bool, msg string, err error) {
	if lc.Spec.UserData != nil {
		return *lc.Spec.UserData, true, "", nil
	}
	ref := lc.Spec.UserDataSecretRef
	if ref == nil {
		return "", true, "", nil
	}
	secret := &corev1.Secret{}
	if err := r.secrets.Get(ctx, client.ObjectKey{Namespace: lc.Namespace, Name: ref.Name}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return "", false, fmt.Sprintf("Secret %s not found: create it with key %q holding the user data", ref.Name, ref.Key), nil
		}
		return "", false, "", fmt.Errorf("reading user data Secret %s: %w", ref.Name, err)
	}
	value, ok := secret.Data[ref.Key]
	if !ok {
		return "", false, fmt.Sprintf("Secret %s has no key %q: add the user data under that key", ref.Name, ref.Key), nil
	}
	return string(value), true, "", nil
}

func recordedNames(obj client.Object) []string {
	v := obj.GetAnnotations()[launchConfigurationsAnnotation]
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

func setRecordedNames(obj client.Object, names []string) {
	ann := obj.GetAnnotations()
	if len(names) == 0 {
		if _, ok := ann[launchConfigurationsAnnotation]; ok {
			delete(ann, launchConfigurationsAnnotation)
			obj.SetAnnotations(ann)
		}
		return
	}
	if ann == nil {
		ann = map[string]string{}
	}
	ann[launchConfigurationsAnnotation] = strings.Join(names, ",")
	obj.SetAnnotations(ann)
}

func addName(names []string, name string) []string {
	if slices.Contains(names, name) {
		return names
	}
	return append(slices.Clone(names), name)
}

func removeName(names []string, name string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == name })
}

// SetupWithManager registers the reconciler: LaunchConfigurations (spec changes only), the Secrets
// they take user data from (metadata only), and groups letting go of a launch configuration.
func (r *LaunchConfigurationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&ec2v1alpha1.LaunchConfiguration{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.launchConfigurationsForSecret)).
		Watches(&ec2v1alpha1.AutoScalingGroup{}, groupToLaunchConfigurations{}).
		WithOptions(r.controllerOptions()).
		Named("launchconfiguration").
		Complete(r)
}

func (r *LaunchConfigurationReconciler) launchConfigurationsForSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	return referrers(ctx, r.Client, &ec2v1alpha1.LaunchConfigurationList{}, indexLaunchConfigurationBySecret, obj)
}

// groupToLaunchConfigurations enqueues the launch configuration(s) a group refers to when the
// group lets go of one: it is deleted, moves to another reference, or AWS reports it on another
// launch configuration. That is when an old version (or a deletion waiting with InUse) can go.
type groupToLaunchConfigurations struct{}

var _ handler.EventHandler = groupToLaunchConfigurations{}

func (groupToLaunchConfigurations) Create(context.Context, event.CreateEvent, workqueueRL)   {}
func (groupToLaunchConfigurations) Generic(context.Context, event.GenericEvent, workqueueRL) {}

func (groupToLaunchConfigurations) Update(_ context.Context, e event.UpdateEvent, q workqueueRL) {
	oldG, ok1 := e.ObjectOld.(*ec2v1alpha1.AutoScalingGroup)
	newG, ok2 := e.ObjectNew.(*ec2v1alpha1.AutoScalingGroup)
	if !ok1 || !ok2 {
		return
	}
	if oldG.Status.LaunchConfigurationName == newG.Status.LaunchConfigurationName &&
		oldG.Spec.LaunchConfigurationRef == newG.Spec.LaunchConfigurationRef &&
		(oldG.DeletionTimestamp.IsZero() || len(oldG.Finalizers) == len(newG.Finalizers)) {
		return
	}
	q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: oldG.Namespace, Name: oldG.Spec.LaunchConfigurationRef.Name}})
	q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: newG.Namespace, Name: newG.Spec.LaunchConfigurationRef.Name}})
}

func (groupToLaunchConfigurations) Delete(_ context.Context, e event.DeleteEvent, q workqueueRL) {
	if g, ok := e.Object.(*ec2v1alpha1.AutoScalingGroup); ok {
		q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: g.Namespace, Name: g.Spec.LaunchConfigurationRef.Name}})
	}
}
