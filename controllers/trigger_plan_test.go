package controllers

import (
	"testing"

	"k8s.io/utils/ptr"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/test/fixtures"
)

func tutorialTrigger() *ec2v1alpha1.Trigger {
	t := fixtures.Trigger("default", "my-trigger", "my-group")
	t.Spec.Dimensions = []ec2v1alpha1.Dimension{{Name: "AutoScalingGroupName", Value: "my-group"}}
	return t
}

func TestPlanTriggerTutorial(t *testing.T) {
	parts, err := planTrigger(tutorialTrigger(), "my-group", "default/default/my-trigger")
	if err != nil {
		t.Fatal(err)
	}
	up, low := parts[0], parts[1]
	if up.policy.Name != "default-my-trigger-upper" || low.policy.Name != "default-my-trigger-lower" {
		t.Errorf("policy names %q %q", up.policy.Name, low.policy.Name)
	}
	if up.policy.AdjustmentType != "ChangeInCapacity" || up.policy.ScalingAdjustment != 10 || low.policy.ScalingAdjustment != -5 {
		t.Errorf("adjustments %+v %+v", up.policy, low.policy)
	}
	if up.alarm.Name != "my-group-default-my-trigger-upper" || low.alarm.Name != "my-group-default-my-trigger-lower" {
		t.Errorf("alarm names %q %q", up.alarm.Name, low.alarm.Name)
	}
	if up.alarm.ComparisonOperator != "GreaterThanThreshold" || low.alarm.ComparisonOperator != "LessThanThreshold" {
		t.Errorf("operators %q %q", up.alarm.ComparisonOperator, low.alarm.ComparisonOperator)
	}
	if up.alarm.EvaluationPeriods != 6 || up.alarm.Period != 60 || up.alarm.Threshold != 80 || low.alarm.Threshold != 40 {
		t.Errorf("alarm shape %+v", up.alarm)
	}
	if up.alarm.Unit != "Percent" || up.alarm.Dimensions["AutoScalingGroupName"] != "my-group" {
		t.Errorf("metric %+v", up.alarm)
	}
}

func TestPlanTriggerDefaults(t *testing.T) {
	tr := tutorialTrigger()
	tr.Spec.Dimensions = nil
	tr.Spec.MetricName, tr.Spec.Namespace, tr.Spec.Statistic = "", "", ""
	tr.Spec.UpperBreachScaleIncrement = "10%"
	tr.Spec.Cooldown = ptr.To[int32](120)
	parts, err := planTrigger(tr, "my-group", "o")
	if err != nil {
		t.Fatal(err)
	}
	if d := parts[0].alarm.Dimensions; len(d) != 1 || d["AutoScalingGroupName"] != "my-group" {
		t.Errorf("default dimensions %v", d)
	}
	if parts[0].alarm.MetricName != "CPUUtilization" || parts[0].alarm.Namespace != "AWS/EC2" || parts[0].alarm.Statistic != "Average" {
		t.Errorf("defaults %+v", parts[0].alarm)
	}
	if parts[0].policy.AdjustmentType != "PercentChangeInCapacity" || *parts[0].policy.Cooldown != 120 {
		t.Errorf("policy %+v", parts[0].policy)
	}

	bad := tutorialTrigger()
	bad.Spec.BreachDuration = 90
	if _, err := planTrigger(bad, "g", "o"); err == nil {
		t.Error("breachDuration not a multiple of period accepted")
	}
	bad = tutorialTrigger()
	bad.Spec.UpperBreachScaleIncrement = "lots"
	if _, err := planTrigger(bad, "g", "o"); err == nil {
		t.Error("bad increment accepted")
	}
}

func TestTriggerState(t *testing.T) {
	a := func(s string) *ec2v1alpha1.AlarmStatus { return &ec2v1alpha1.AlarmStatus{Name: "x", State: s} }
	tests := []struct {
		upper, lower *ec2v1alpha1.AlarmStatus
		want         string
	}{
		{a("ALARM"), a("OK"), ec2v1alpha1.TriggerStateScalingUp},
		{a("OK"), a("ALARM"), ec2v1alpha1.TriggerStateScalingDown},
		{a("OK"), a("OK"), ec2v1alpha1.TriggerStateIdle},
		{a("INSUFFICIENT_DATA"), a("OK"), ec2v1alpha1.TriggerStateInsufficientData},
		{nil, nil, ec2v1alpha1.TriggerStateInsufficientData},
	}
	for _, tt := range tests {
		if got := triggerState(tt.upper, tt.lower); got != tt.want {
			t.Errorf("triggerState(%v, %v) = %s, want %s", tt.upper, tt.lower, got, tt.want)
		}
	}
}

func TestAlarmTransition(t *testing.T) {
	ok := &ec2v1alpha1.AlarmStatus{Name: "a", State: "OK"}
	alarm := &ec2v1alpha1.AlarmStatus{Name: "a", State: "ALARM", StateReason: "Threshold Crossed"}
	if alarmTransition(nil, ok) != "" {
		t.Error("first sight reported as a transition")
	}
	if alarmTransition(ok, ok) != "" {
		t.Error("no change reported as a transition")
	}
	if got := alarmTransition(ok, alarm); got != "Alarm a: OK → ALARM: Threshold Crossed" {
		t.Errorf("got %q", got)
	}
}
