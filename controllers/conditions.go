package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// maxConditionMessage bounds condition messages: AWS messages can be long and a condition is read
// by people in `kubectl get -o wide` and by health checks, not parsed.
const maxConditionMessage = 1024

// conditions are the status.conditions of one object, judged against the generation it had when
// the reconcile read it, so the kstatus rules below are written once for all three kinds.
type conditions struct {
	obj        object
	generation int64
}

func newConditions(obj object) conditions {
	return conditions{obj: obj, generation: obj.GetGeneration()}
}

func truncateMessage(msg string) string {
	if len(msg) <= maxConditionMessage {
		return msg
	}
	return msg[:maxConditionMessage-3] + "..."
}

func (c conditions) set(condType string, status metav1.ConditionStatus, reason, msg string) {
	list := c.obj.GetConditions()
	meta.SetStatusCondition(&list, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            truncateMessage(msg),
		ObservedGeneration: c.generation,
	})
	c.obj.SetConditions(list)
}

func (c conditions) remove(condType string) {
	list := c.obj.GetConditions()
	meta.RemoveStatusCondition(&list, condType)
	c.obj.SetConditions(list)
}

// markReady: the AWS resource exists and matches the spec. Reconciling and Stalled are removed:
// kstatus wants them present only while abnormal.
func (c conditions) markReady(reason, msg string) {
	c.set(ec2v1alpha1.ConditionReady, metav1.ConditionTrue, reason, msg)
	c.remove(ec2v1alpha1.ConditionReconciling)
	c.remove(ec2v1alpha1.ConditionStalled)
}

// markProgressing: the operator is working towards the spec (or retrying) and will get there
// without anyone's help.
func (c conditions) markProgressing(reason, msg string) {
	c.set(ec2v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	c.set(ec2v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, msg)
	c.remove(ec2v1alpha1.ConditionStalled)
}

// markStalled: nothing will change until a person changes the spec, an annotation or AWS.
func (c conditions) markStalled(reason, msg string) {
	c.set(ec2v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	c.set(ec2v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, msg)
	c.remove(ec2v1alpha1.ConditionReconciling)
}

func (c conditions) ready() *metav1.Condition {
	return meta.FindStatusCondition(c.obj.GetConditions(), ec2v1alpha1.ConditionReady)
}

func (c conditions) isReady() bool {
	return meta.IsStatusConditionTrue(c.obj.GetConditions(), ec2v1alpha1.ConditionReady)
}

func (c conditions) isStalled() bool {
	return meta.IsStatusConditionTrue(c.obj.GetConditions(), ec2v1alpha1.ConditionStalled)
}

// observedGenerationFor is the generation status may claim to describe: the current one once the
// generation is fully handled (Ready, or Stalled on it), else the previous value. Health checks
// that compare observedGeneration with generation then see an update as in progress until it is.
func observedGenerationFor(c conditions, previous int64) int64 {
	if c.isReady() || c.isStalled() {
		return c.generation
	}
	return previous
}

// warningReasons are the Ready reasons that deserve a Warning Event when they appear.
var warningReasons = map[string]bool{
	ec2v1alpha1.ReasonAWSError:               true,
	ec2v1alpha1.ReasonInvalidSpec:            true,
	ec2v1alpha1.ReasonConflict:               true,
	ec2v1alpha1.ReasonUserDataSecretNotFound: true,
	ec2v1alpha1.ReasonInUse:                  true,
}

// readyTransitionWarning says whether the Ready condition moved to a new warning (a reason from
// warningReasons whose reason or message changed), so an error is announced once, not once per retry.
func readyTransitionWarning(before, after *metav1.Condition) bool {
	if after == nil || after.Status == metav1.ConditionTrue || !warningReasons[after.Reason] {
		return false
	}
	return before == nil || before.Status != after.Status || before.Reason != after.Reason || before.Message != after.Message
}
