package emulator

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// TestCloudWatchSeedScenarioScalesGroup is boto's Autoscale tutorial end to end: a group of 4 to 8
// instances, a simple scaling policy of +10, and an alarm on the group's average CPU above 80% for
// 6 minutes. At 90% load the alarm fires after six breaching minutes, and the policy takes the
// group to its maximum with AWS's cause naming the alarm and the policy.
func TestCloudWatchSeedScenarioScalesGroup(t *testing.T) {
	env := newASEnv(t, Options{})
	s := &cwServer{Emulator: env.emu, clock: env.clock, url: env.srv.URL}
	cw := s.cwClient()
	env.mustLC("my-launch-config")
	env.mustGroup("my_group", "my-launch-config", 4, 8, 4)
	policy, err := env.as.PutScalingPolicy(env.ctx, &autoscaling.PutScalingPolicyInput{
		AutoScalingGroupName: aws.String("my_group"), PolicyName: aws.String("scale-up"), PolicyType: aws.String("SimpleScaling"),
		AdjustmentType: aws.String("ChangeInCapacity"), ScalingAdjustment: aws.Int32(10),
	})
	if err != nil {
		t.Fatalf("PutScalingPolicy: %v", err)
	}
	if _, err := cw.PutMetricAlarm(env.ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("my_trigger-high"), Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("AutoScalingGroupName"), Value: aws.String("my_group")}},
		Statistic:  cwtypes.StatisticAverage, Unit: cwtypes.StandardUnitPercent, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(6),
		Threshold: aws.Float64(80), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
		AlarmActions: []string{aws.ToString(policy.PolicyARN)},
	}); err != nil {
		t.Fatalf("PutMetricAlarm: %v", err)
	}

	env.advance(10 * time.Minute) // the default 20% load
	if a := s.alarm("my_trigger-high"); a.State != "OK" {
		t.Fatalf("at 20%% CPU the alarm is %s (%s), want OK", a.State, a.Reason)
	}
	env.emu.SetGroupLoad("us-east-1", "my_group", 90)
	// CPU is sampled each minute from 10:11; the sixth breaching minute, 10:16, closes at 10:17.
	env.advance(6 * time.Minute)
	if d := aws.ToInt32(env.describe("my_group").DesiredCapacity); d != 4 || s.alarm("my_trigger-high").State != "OK" {
		t.Fatalf("after 6 minutes at 90%%: desired %d, alarm %s; the alarm needs six breaching periods", d, s.alarm("my_trigger-high").State)
	}
	env.advance(time.Minute)
	if a := s.alarm("my_trigger-high"); a.State != "ALARM" {
		t.Fatalf("after 7 minutes at 90%% the alarm is %s (%s), want ALARM", a.State, a.Reason)
	}
	if d := aws.ToInt32(env.describe("my_group").DesiredCapacity); d != 8 {
		t.Fatalf("desired %d after the alarm, want 8 (4 + 10, capped at the maximum)", d)
	}
	cause := aws.ToString(env.activities("my_group")[0].Cause)
	if !strings.Contains(cause, "At 2026-11-26T10:17:00Z a monitor alarm my_trigger-high in state ALARM triggered policy scale-up changing the desired capacity from 4 to 8.") {
		t.Errorf("newest activity's cause %q does not name the alarm and policy", cause)
	}

	hist, err := cw.DescribeAlarmHistory(env.ctx, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("my_trigger-high"), HistoryItemType: cwtypes.HistoryItemTypeAction})
	if err != nil {
		t.Fatalf("DescribeAlarmHistory: %v", err)
	}
	if len(hist.AlarmHistoryItems) != 1 || aws.ToString(hist.AlarmHistoryItems[0].HistorySummary) != "Successfully executed action "+aws.ToString(policy.PolicyARN) {
		t.Errorf("action history: %+v", hist.AlarmHistoryItems)
	}
}
