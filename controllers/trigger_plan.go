package controllers

import (
	"fmt"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// The two bounds of a trigger.
const (
	boundUpper = "upper"
	boundLower = "lower"
)

// triggerPart is one bound of a trigger in AWS terms: its policy, and its alarm (whose action,
// the policy's ARN, is filled in once the policy exists).
type triggerPart struct {
	policy cloud.PolicyInput
	alarm  cloud.AlarmInput
}

// planTrigger turns a trigger into its two policies and two alarms. groupName is the group's AWS
// name; owner the owner tag value of the alarms.
func planTrigger(t *ec2v1alpha1.Trigger, groupName, owner string) ([2]triggerPart, error) {
	var parts [2]triggerPart
	if t.Spec.Period <= 0 || t.Spec.BreachDuration <= 0 || t.Spec.BreachDuration%t.Spec.Period != 0 {
		return parts, fmt.Errorf("breachDuration %d must be a positive multiple of period %d", t.Spec.BreachDuration, t.Spec.Period)
	}
	dims := map[string]string{}
	for _, d := range t.Spec.Dimensions {
		dims[d.Name] = d.Value
	}
	if len(dims) == 0 {
		dims[cloud.GroupDimension] = groupName
	}
	metric := t.Spec.MetricName
	if metric == "" {
		metric = "CPUUtilization"
	}
	namespace := t.Spec.Namespace
	if namespace == "" {
		namespace = "AWS/EC2"
	}
	statistic := t.Spec.Statistic
	if statistic == "" {
		statistic = "Average"
	}
	for i, b := range []struct {
		bound, increment, comparison string
		threshold                    float64
	}{
		{boundUpper, t.Spec.UpperBreachScaleIncrement, cloud.GreaterThanThreshold, t.Spec.UpperThreshold},
		{boundLower, t.Spec.LowerBreachScaleIncrement, cloud.LessThanThreshold, t.Spec.LowerThreshold},
	} {
		adjType, amount, err := parseScaleIncrement(b.increment)
		if err != nil {
			return parts, fmt.Errorf("%sBreachScaleIncrement: %w", b.bound, err)
		}
		parts[i] = triggerPart{
			policy: cloud.PolicyInput{
				Group:             groupName,
				Name:              policyName(t, b.bound),
				AdjustmentType:    adjType,
				ScalingAdjustment: amount,
				Cooldown:          t.Spec.Cooldown,
			},
			alarm: cloud.AlarmInput{
				Name:               alarmName(groupName, t, b.bound),
				Namespace:          namespace,
				MetricName:         metric,
				Statistic:          statistic,
				Unit:               t.Spec.Unit,
				Dimensions:         dims,
				Period:             t.Spec.Period,
				EvaluationPeriods:  t.Spec.BreachDuration / t.Spec.Period,
				Threshold:          b.threshold,
				ComparisonOperator: b.comparison,
				OwnerTag:           owner,
			},
		}
	}
	return parts, nil
}

// triggerState summarises the two alarms for status.state.
func triggerState(upper, lower *ec2v1alpha1.AlarmStatus) string {
	state := func(a *ec2v1alpha1.AlarmStatus) string {
		if a == nil {
			return ""
		}
		return a.State
	}
	switch {
	case state(upper) == cloud.AlarmStateAlarm:
		return ec2v1alpha1.TriggerStateScalingUp
	case state(lower) == cloud.AlarmStateAlarm:
		return ec2v1alpha1.TriggerStateScalingDown
	case state(upper) == cloud.AlarmStateOK && state(lower) == cloud.AlarmStateOK:
		return ec2v1alpha1.TriggerStateIdle
	default:
		return ec2v1alpha1.TriggerStateInsufficientData
	}
}

// alarmTransition describes an alarm's state change for an Event, or "" when there is none to
// report (unchanged, or the first sight of a new alarm).
func alarmTransition(before, after *ec2v1alpha1.AlarmStatus) string {
	if after == nil || before == nil || before.State == "" || before.Name != after.Name || before.State == after.State {
		return ""
	}
	msg := fmt.Sprintf("Alarm %s: %s → %s", after.Name, before.State, after.State)
	if after.StateReason != "" {
		msg += ": " + after.StateReason
	}
	return truncateMessage(msg)
}
