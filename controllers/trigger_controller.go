package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

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

	alarms, conflict, err := r.ownership(ctx, svc.CloudWatch, t, parts, maxAge)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	if conflict != "" {
		c.markStalled(ec2v1alpha1.ReasonConflict, conflict)
		return r.syncResult(), nil
	}
	arns, alarms, err := r.putParts(ctx, svc, t, parts, alarms)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	r.setStatus(t, parts, arns, alarms)
	c.markReady(ec2v1alpha1.ReasonReconciled, fmt.Sprintf("Policies and alarms are in place on group %s; state %s", g.Status.AWSName, t.Status.State))
	return r.syncResult(), nil
}

// ownership reads the trigger's two alarms (one batched describe, at most maxAge old) and returns
// them, or, when either name is taken by an alarm the trigger may not manage, why: then nothing
// is written.
func (r *TriggerReconciler) ownership(ctx context.Context, cw cloud.CloudWatch, t *ec2v1alpha1.Trigger, parts [2]triggerPart, maxAge time.Duration) ([2]*cloud.Alarm, string, error) {
	var alarms [2]*cloud.Alarm
	found, err := cw.DescribeAlarms(ctx, []string{parts[0].alarm.Name, parts[1].alarm.Name}, maxAge)
	if err != nil {
		return alarms, "", err
	}
	copy(alarms[:], found)
	adopt := t.Annotations[ec2v1alpha1.AdoptAnnotation] == "true"
	for i, a := range alarms {
		if a == nil {
			continue
		}
		if decision, msg := a.Ownership(parts[i].alarm.OwnerTag, adopt); decision == cloud.Conflicting {
			return alarms, msg, nil
		}
	}
	return alarms, "", nil
}

// putParts makes both policies and both alarms match the plan, writing only what differs, with
// an Event for each write. It returns the policies' ARNs and the alarms as they are now.
func (r *TriggerReconciler) putParts(ctx context.Context, svc cloud.Services, t *ec2v1alpha1.Trigger, parts [2]triggerPart, alarms [2]*cloud.Alarm) ([2]string, [2]*cloud.Alarm, error) {
	var arns [2]string
	policies, err := svc.AutoScaling.DescribePolicies(ctx, parts[0].policy.Group, []string{parts[0].policy.Name, parts[1].policy.Name})
	if err != nil {
		return arns, alarms, err
	}
	wrote := false
	for i := range parts {
		policy, alarm := &parts[i].policy, &parts[i].alarm
		arn, put, err := svc.AutoScaling.PutPolicy(ctx, policy, policies[i])
		if err != nil {
			return arns, alarms, err
		}
		if put {
			verb := createdOrUpdated(policies[i] == nil)
			r.event(t, corev1.EventTypeNormal, verb, "Put", "%s scaling policy %s on group %s: %s %d",
				verb, policy.Name, policy.Group, policy.AdjustmentType, policy.ScalingAdjustment)
		}
		arns[i] = arn
		alarm.AlarmActions = []string{arn}

		put, err = svc.CloudWatch.PutAlarm(ctx, alarm, alarms[i])
		if err != nil {
			return arns, alarms, err
		}
		if put {
			wrote = true
			verb := createdOrUpdated(alarms[i] == nil)
			r.event(t, corev1.EventTypeNormal, verb, "Put", "%s alarm %s on %s %s %g for %d periods of %ds, running policy %s",
				verb, alarm.Name, alarm.MetricName, alarm.ComparisonOperator, alarm.Threshold,
				alarm.EvaluationPeriods, alarm.Period, policy.Name)
		}
	}
	if wrote {
		// What a written alarm looks like now (its state) is read after both puts, in one describe.
		found, err := svc.CloudWatch.DescribeAlarms(ctx, []string{parts[0].alarm.Name, parts[1].alarm.Name}, 0)
		if err != nil {
			return arns, alarms, err
		}
		copy(alarms[:], found)
	}
	return arns, alarms, nil
}

func createdOrUpdated(created bool) string {
	if created {
		return "Created"
	}
	return "Updated"
}

// setStatus records the policies and alarms in status, with an Event for each alarm state change.
func (r *TriggerReconciler) setStatus(t *ec2v1alpha1.Trigger, parts [2]triggerPart, arns [2]string, alarms [2]*cloud.Alarm) {
	upper, lower := alarmStatus(parts[0].alarm.Name, alarms[0]), alarmStatus(parts[1].alarm.Name, alarms[1])
	for _, tr := range []struct{ before, after *ec2v1alpha1.AlarmStatus }{{t.Status.UpperAlarm, upper}, {t.Status.LowerAlarm, lower}} {
		if note := alarmTransition(tr.before, tr.after); note != "" {
			eventType := corev1.EventTypeNormal
			if tr.after.State == cloud.AlarmStateAlarm {
				eventType = corev1.EventTypeWarning
			}
			r.eventAbout(t, cloud.AlarmReference(tr.after.Name), eventType, "AlarmStateChanged", "Observe", "%s", note)
		}
	}
	t.Status.UpperPolicyARN, t.Status.LowerPolicyARN = arns[0], arns[1]
	t.Status.UpperAlarm, t.Status.LowerAlarm = upper, lower
	t.Status.State = triggerState(upper, lower)
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
	alarms, err := svc.CloudWatch.DescribeAlarms(ctx, []string{parts[0].alarm.Name, parts[1].alarm.Name}, 0)
	if err != nil {
		return r.awsFailure(ctx, c, err)
	}
	for i, part := range parts {
		current := alarms[i]
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
		policies, err := svc.AutoScaling.DescribePolicies(ctx, groupName, []string{parts[0].policy.Name, parts[1].policy.Name})
		if err != nil {
			return r.awsFailure(ctx, c, err)
		}
		for i, part := range parts {
			if policies[i] == nil {
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
