package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// TriggerReconciler reconciles Trigger objects.
type TriggerReconciler struct {
	base
}

// +kubebuilder:rbac:groups=ec2.autoscale-operator.io,resources=triggers,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=ec2.autoscale-operator.io,resources=triggers/status,verbs=patch

// Reconcile makes the trigger's policies and alarms in AWS match the object and reports the
// alarms' state, or deletes them.
func (r *TriggerReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return reconcileObject(ctx, &r.base, req, &ec2v1alpha1.Trigger{}, r.reconcileNormal, r.reconcileDelete)
}

func (r *TriggerReconciler) owner(t *ec2v1alpha1.Trigger) string {
	return ownerTagValue(r.opts.ClusterID, t.Namespace, t.Name)
}

// group returns the trigger's group object, or nil when it does not exist.
func (r *TriggerReconciler) group(ctx context.Context, t *ec2v1alpha1.Trigger) (*ec2v1alpha1.AutoScalingGroup, error) {
	g := &ec2v1alpha1.AutoScalingGroup{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: t.Spec.AutoScalingGroupRef.Name}, g); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return g, nil
}

// region is the trigger's region, else its group's: a trigger acts in its group's region.
func (r *TriggerReconciler) region(t *ec2v1alpha1.Trigger, g *ec2v1alpha1.AutoScalingGroup) string {
	if t.Spec.Region != "" || g == nil {
		return t.Spec.Region
	}
	return g.Spec.Region
}

func (r *TriggerReconciler) reconcileNormal(ctx context.Context, t *ec2v1alpha1.Trigger, p *patcher, c conditions) (ctrl.Result, error) {
	g, err := r.group(ctx, t)
	if err != nil {
		return ctrl.Result{}, err
	}
	if g == nil || g.Status.AWSName == "" || !g.DeletionTimestamp.IsZero() {
		// The group watch brings us back when it exists.
		c.markProgressing(ec2v1alpha1.ReasonAutoScalingGroupNotReady,
			fmt.Sprintf("Waiting for AutoScalingGroup %s to exist in AWS", t.Spec.AutoScalingGroupRef.Name))
		return r.syncResult(), nil
	}
	parts, err := planTrigger(t, g.Status.AWSName, r.owner(t))
	if err != nil {
		// The CRD's validation should make this unreachable; if not, nothing but a spec change helps.
		c.markStalled(ec2v1alpha1.ReasonInvalidSpec, err.Error())
		return ctrl.Result{}, reconcile.TerminalError(err)
	}
	svc := r.services(r.region(t, g))
	if err := r.ensureFinalizer(ctx, t, p); err != nil {
		return ctrl.Result{}, err
	}
	maxAge := r.opts.SyncPeriod / 2
	if !c.isReady() || t.Status.ObservedGeneration != t.Generation {
		maxAge = 0
	}

	// Look at both alarms before writing anything: a trigger whose alarm names are taken writes nothing.
	// The two halves are always read together (see both), and the policies are warmed the same way.
	adopt := t.Annotations[ec2v1alpha1.AdoptAnnotation] == "true"
	var existing [2]*cloud.Alarm
	if err := both(func(i int) (err error) {
		existing[i], err = svc.CloudWatch.DescribeAlarm(ctx, parts[i].alarm.Name, maxAge)
		return err
	}); err != nil {
		return r.awsFailure(ctx, c, err)
	}
	for i, current := range existing {
		if current != nil {
			if decision, msg := current.Ownership(parts[i].alarm.OwnerTag, adopt); decision == cloud.Conflicting {
				c.markStalled(ec2v1alpha1.ReasonConflict, msg)
				return r.syncResult(), nil
			}
		}
	}
	if err := both(func(i int) error {
		_, err := svc.AutoScaling.DescribePolicy(ctx, parts[i].policy.Group, parts[i].policy.Name)
		return err
	}); err != nil {
		return r.awsFailure(ctx, c, err)
	}

	var alarms [2]*ec2v1alpha1.AlarmStatus
	var arns [2]string
	var wrote [2]bool
	for i := range parts {
		part := &parts[i]
		arn, err := r.ensurePolicy(ctx, svc, t, &part.policy)
		if err != nil {
			return r.awsFailure(ctx, c, err)
		}
		arns[i] = arn
		part.alarm.AlarmActions = []string{arn}

		current := existing[i]
		if wrote[i], err = svc.CloudWatch.PutAlarm(ctx, &part.alarm, current); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		if wrote[i] {
			verb := "Updated"
			if current == nil {
				verb = "Created"
			}
			r.event(t, corev1.EventTypeNormal, verb, "Put", "%s alarm %s on %s %s %g for %d periods of %ds, running policy %s",
				verb, part.alarm.Name, part.alarm.MetricName, part.alarm.ComparisonOperator, part.alarm.Threshold,
				part.alarm.EvaluationPeriods, part.alarm.Period, part.policy.Name)
		}
	}
	// What a written alarm looks like now (its state) is read after both puts, in one describe.
	if err := both(func(i int) (err error) {
		if wrote[i] {
			existing[i], err = svc.CloudWatch.DescribeAlarm(ctx, parts[i].alarm.Name, 0)
		}
		return err
	}); err != nil {
		return r.awsFailure(ctx, c, err)
	}
	for i := range parts {
		alarms[i] = alarmStatus(parts[i].alarm.Name, existing[i])
	}

	prevUpper, prevLower := t.Status.UpperAlarm, t.Status.LowerAlarm
	t.Status.UpperPolicyARN, t.Status.LowerPolicyARN = arns[0], arns[1]
	t.Status.UpperAlarm, t.Status.LowerAlarm = alarms[0], alarms[1]
	t.Status.State = triggerState(alarms[0], alarms[1])
	for _, tr := range []struct{ before, after *ec2v1alpha1.AlarmStatus }{{prevUpper, alarms[0]}, {prevLower, alarms[1]}} {
		if note := alarmTransition(tr.before, tr.after); note != "" {
			eventType := corev1.EventTypeNormal
			if tr.after.State == cloud.AlarmStateAlarm {
				eventType = corev1.EventTypeWarning
			}
			r.eventAbout(t, cloud.AlarmReference(tr.after.Name), eventType, "AlarmStateChanged", "Observe", "%s", note)
		}
	}
	c.markReady(ec2v1alpha1.ReasonReconciled, fmt.Sprintf("Policies and alarms are in place on group %s; state %s", g.Status.AWSName, t.Status.State))
	return r.syncResult(), nil
}

// both runs f for the upper (0) and lower (1) half of a trigger at once and returns the first
// error. The provider batches describes that wait together, so the two halves' reads cost one
// call instead of two; a fleet's creation is bounded by the AWS rate limit, which every
// describe takes from the creates.
func both(f func(i int) error) error {
	var errs [2]error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs[1] = f(1)
	}()
	errs[0] = f(0)
	wg.Wait()
	if errs[0] != nil {
		return errs[0]
	}
	return errs[1]
}

// ensurePolicy makes the policy match and returns its ARN, writing only when it differs.
func (r *TriggerReconciler) ensurePolicy(ctx context.Context, svc cloud.Services, t *ec2v1alpha1.Trigger, in *cloud.PolicyInput) (string, error) {
	current, err := svc.AutoScaling.DescribePolicy(ctx, in.Group, in.Name)
	if err != nil {
		return "", err
	}
	if cloud.PolicyUpToDate(in, current) {
		return current.ARN, nil
	}
	arn, err := svc.AutoScaling.PutSimpleScalingPolicy(ctx, in)
	if err != nil {
		return "", err
	}
	verb := "Updated"
	if current == nil {
		verb = "Created"
	}
	r.event(t, corev1.EventTypeNormal, verb, "Put", "%s scaling policy %s on group %s: %s %d", verb, in.Name, in.Group, in.AdjustmentType, in.ScalingAdjustment)
	return arn, nil
}

func alarmStatus(name string, a *cloud.Alarm) *ec2v1alpha1.AlarmStatus {
	st := &ec2v1alpha1.AlarmStatus{Name: name}
	if a == nil {
		return st
	}
	st.State = a.StateValue
	st.StateReason = truncateMessage(a.StateReason)
	if !a.StateTransitionedTimestamp.IsZero() {
		ts := metav1.NewTime(a.StateTransitionedTimestamp)
		st.LastTransitionTime = &ts
	}
	return st
}

func (r *TriggerReconciler) reconcileDelete(ctx context.Context, t *ec2v1alpha1.Trigger, c conditions) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(t, Finalizer) {
		return ctrl.Result{}, nil
	}
	g, err := r.group(ctx, t)
	if err != nil {
		return ctrl.Result{}, err
	}
	// The group's AWS name is its object name, so the names are known even when the group is gone.
	groupName := t.Spec.AutoScalingGroupRef.Name
	parts, err := planTrigger(t, groupName, r.owner(t))
	if err != nil {
		controllerutil.RemoveFinalizer(t, Finalizer) // nothing can have been created from an invalid spec
		return ctrl.Result{}, nil
	}
	svc := r.services(r.region(t, g))
	orphan := t.Spec.DeletionPolicy == ec2v1alpha1.DeletionPolicyOrphan
	var done []string
	for _, part := range parts {
		current, err := svc.CloudWatch.DescribeAlarm(ctx, part.alarm.Name, 0)
		if err != nil {
			return r.awsFailure(ctx, c, err)
		}
		if current == nil || current.OwnerTag != part.alarm.OwnerTag {
			continue // gone, or not ours: leave it
		}
		if orphan {
			// Same definition, no owner: PutAlarm only removes the tag.
			untagged := current.AlarmInput
			untagged.OwnerTag = ""
			if _, err := svc.CloudWatch.PutAlarm(ctx, &untagged, current); err != nil {
				return r.awsFailure(ctx, c, err)
			}
			done = append(done, "alarm "+part.alarm.Name)
			continue
		}
		if err := svc.CloudWatch.DeleteAlarm(ctx, part.alarm.Name); err != nil {
			return r.awsFailure(ctx, c, err)
		}
		done = append(done, "alarm "+part.alarm.Name)
	}
	if !orphan {
		for _, part := range parts {
			current, err := svc.AutoScaling.DescribePolicy(ctx, part.policy.Group, part.policy.Name)
			if err != nil {
				return r.awsFailure(ctx, c, err)
			}
			if current == nil {
				continue
			}
			if err := svc.AutoScaling.DeletePolicy(ctx, part.policy.Group, part.policy.Name); err != nil {
				return r.awsFailure(ctx, c, err)
			}
			done = append(done, "policy "+part.policy.Name)
		}
	}
	if len(done) > 0 {
		if orphan {
			r.event(t, corev1.EventTypeNormal, "Orphaned", "Delete", "Removed the owner tag and left %s in AWS", strings.Join(done, ", "))
		} else {
			r.event(t, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted %s", strings.Join(done, ", "))
		}
	}
	controllerutil.RemoveFinalizer(t, Finalizer)
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler: triggers (spec and annotation changes) and their
// groups (when one comes into existence in AWS, or goes).
func (r *TriggerReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&ec2v1alpha1.Trigger{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&ec2v1alpha1.AutoScalingGroup{}, handler.EnqueueRequestsFromMapFunc(r.triggersForGroup),
			builder.WithPredicates(groupAWSNameChanged())).
		WithOptions(r.controllerOptions()).
		Named("trigger").
		Complete(r)
}

func (r *TriggerReconciler) triggersForGroup(ctx context.Context, obj client.Object) []reconcile.Request {
	return referrers(ctx, r.Client, &ec2v1alpha1.TriggerList{}, indexTriggerByGroup, obj)
}

// groupAWSNameChanged passes group events that matter to triggers: the group appearing in AWS
// (status.awsName set), its deletion starting, and its removal.
func groupAWSNameChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, ok1 := e.ObjectOld.(*ec2v1alpha1.AutoScalingGroup)
			n, ok2 := e.ObjectNew.(*ec2v1alpha1.AutoScalingGroup)
			return !ok1 || !ok2 || o.Status.AWSName != n.Status.AWSName ||
				o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero()
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}
