package emulator

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func TestAdjustedCapacity(t *testing.T) {
	cases := []struct {
		current, adjustment int
		adjustmentType      string
		minMagnitude        *int
		want                int
		why                 string
	}{
		{4, 2, adjustChange, nil, 6, "change adds"},
		{4, -10, adjustChange, nil, 1, "clamped to min 1"},
		{4, 50, adjustChange, nil, 20, "clamped to max 20"},
		{4, 7, adjustExact, nil, 7, "exact sets"},
		{10, 15, adjustPercent, nil, 11, "1.5 rounds down to 1"},
		{10, 127, adjustPercent, nil, 20, "12.7 rounds down to 12, clamped to 20"},
		{3, 10, adjustPercent, nil, 4, "0.3 rounds up to 1"},
		{3, -10, adjustPercent, nil, 2, "-0.3 rounds to -1"},
		{15, -45, adjustPercent, nil, 9, "-6.75 rounds toward zero to -6"},
		{10, 10, adjustPercent, ptr(3), 13, "1 raised to MinAdjustmentMagnitude 3"},
		{10, -10, adjustPercent, ptr(3), 7, "-1 raised to magnitude 3"},
		{10, 50, adjustPercent, ptr(3), 15, "5 already above the magnitude"},
	}
	for _, c := range cases {
		if got := adjustedCapacity(c.current, 1, 20, c.adjustmentType, c.adjustment, c.minMagnitude, nil); got != c.want {
			t.Errorf("%d %s %d (min magnitude %v): got %d, want %d (%s)", c.current, c.adjustmentType, c.adjustment, c.minMagnitude, got, c.want, c.why)
		}
	}
}

func TestMatchStep(t *testing.T) {
	steps := []stepAdjustment{
		{MetricIntervalUpperBound: ptr(-10.0), ScalingAdjustment: -2},
		{MetricIntervalLowerBound: ptr(-10.0), MetricIntervalUpperBound: ptr(0.0), ScalingAdjustment: -1},
		{MetricIntervalLowerBound: ptr(0.0), MetricIntervalUpperBound: ptr(20.0), ScalingAdjustment: 1},
		{MetricIntervalLowerBound: ptr(20.0), ScalingAdjustment: 3},
	}
	for diff, want := range map[float64]int{-50: -2, -10: -2, -9.9: -1, 0: 1, 19.9: 1, 20: 3, 1000: 3} {
		if got, ok := matchStep(steps, diff); !ok || got != want {
			t.Errorf("diff %v: got %d %v, want %d", diff, got, ok, want)
		}
	}
}

func TestPolicyRoundTripAndDescribe(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 10, 1)
	env.mustGroup("api", "lc", 1, 10, 1)
	put := func(in *autoscaling.PutScalingPolicyInput) string {
		t.Helper()
		out, err := env.as.PutScalingPolicy(env.ctx, in)
		if err != nil {
			t.Fatalf("PutScalingPolicy %s: %v", aws.ToString(in.PolicyName), err)
		}
		if out.Alarms == nil {
			t.Fatalf("Alarms should be an empty list, not absent")
		}
		return aws.ToString(out.PolicyARN)
	}
	simpleARN := put(&autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("up"),
		AdjustmentType: aws.String("PercentChangeInCapacity"), ScalingAdjustment: aws.Int32(50), MinAdjustmentMagnitude: aws.Int32(2), Cooldown: aws.Int32(120)})
	if !strings.HasPrefix(simpleARN, "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:") || !strings.HasSuffix(simpleARN, ":autoScalingGroupName/web:policyName/up") {
		t.Fatalf("policy ARN %s", simpleARN)
	}
	put(&autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("steps"), PolicyType: aws.String("StepScaling"),
		AdjustmentType: aws.String("ChangeInCapacity"), MetricAggregationType: aws.String("Maximum"), EstimatedInstanceWarmup: aws.Int32(60),
		StepAdjustments: []types.StepAdjustment{
			{MetricIntervalLowerBound: aws.Float64(0), MetricIntervalUpperBound: aws.Float64(15), ScalingAdjustment: aws.Int32(1)},
			{MetricIntervalLowerBound: aws.Float64(15), ScalingAdjustment: aws.Int32(3)}}})
	put(&autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("api"), PolicyName: aws.String("cpu50"), PolicyType: aws.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: &types.TargetTrackingConfiguration{TargetValue: aws.Float64(50), DisableScaleIn: aws.Bool(true),
			PredefinedMetricSpecification: &types.PredefinedMetricSpecification{PredefinedMetricType: types.MetricTypeASGAverageCPUUtilization}}})
	// Updating keeps the ARN.
	if again := put(&autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("up"),
		AdjustmentType: aws.String("ChangeInCapacity"), ScalingAdjustment: aws.Int32(2)}); again != simpleARN {
		t.Fatalf("update changed the ARN: %s → %s", simpleARN, again)
	}

	all, err := env.as.DescribePolicies(env.ctx, &autoscaling.DescribePoliciesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.ScalingPolicies) != 3 {
		t.Fatalf("got %d policies", len(all.ScalingPolicies))
	}
	tt, steps, up := all.ScalingPolicies[0], all.ScalingPolicies[1], all.ScalingPolicies[2]
	if aws.ToString(tt.PolicyName) != "cpu50" || aws.ToFloat64(tt.TargetTrackingConfiguration.TargetValue) != 50 ||
		tt.TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType != types.MetricTypeASGAverageCPUUtilization || !aws.ToBool(tt.Enabled) {
		t.Fatalf("target tracking: %+v", tt)
	}
	if aws.ToString(steps.PolicyType) != "StepScaling" || len(steps.StepAdjustments) != 2 || aws.ToString(steps.MetricAggregationType) != "Maximum" ||
		aws.ToFloat64(steps.StepAdjustments[1].MetricIntervalLowerBound) != 15 || steps.StepAdjustments[1].MetricIntervalUpperBound != nil || aws.ToInt32(steps.EstimatedInstanceWarmup) != 60 {
		t.Fatalf("step: %+v", steps)
	}
	if aws.ToString(up.AdjustmentType) != "ChangeInCapacity" || aws.ToInt32(up.ScalingAdjustment) != 2 || up.Cooldown != nil || up.MinAdjustmentMagnitude != nil {
		t.Fatalf("updated simple policy should be replaced whole: %+v", up)
	}

	byType, err := env.as.DescribePolicies(env.ctx, &autoscaling.DescribePoliciesInput{PolicyTypes: []string{"StepScaling", "SimpleScaling"}, AutoScalingGroupName: aws.String("web"), MaxRecords: aws.Int32(1)})
	if err != nil || len(byType.ScalingPolicies) != 1 || byType.NextToken == nil {
		t.Fatalf("paged by type: %v %+v", err, byType)
	}
	next, err := env.as.DescribePolicies(env.ctx, &autoscaling.DescribePoliciesInput{PolicyTypes: []string{"StepScaling", "SimpleScaling"}, AutoScalingGroupName: aws.String("web"), MaxRecords: aws.Int32(1), NextToken: byType.NextToken})
	if err != nil || len(next.ScalingPolicies) != 1 || next.NextToken != nil || aws.ToString(next.ScalingPolicies[0].PolicyName) != "up" {
		t.Fatalf("second page: %v %+v", err, next)
	}

	if _, err := env.as.DeletePolicy(env.ctx, &autoscaling.DeletePolicyInput{PolicyName: aws.String(simpleARN)}); err != nil {
		t.Fatal(err)
	}
	_, err = env.as.DeletePolicy(env.ctx, &autoscaling.DeletePolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("up")})
	wantAPIError(t, err, "ValidationError", "No scaling policy found for AutoScalingGroup web with name up.")
}

func TestExecutePolicy(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 10, 2)
	env.advance(10 * time.Minute)
	if _, err := env.as.PutScalingPolicy(env.ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("up"),
		AdjustmentType: aws.String("ChangeInCapacity"), ScalingAdjustment: aws.Int32(2), Cooldown: aws.Int32(60)}); err != nil {
		t.Fatal(err)
	}
	exec := func(honor bool) error {
		_, err := env.as.ExecutePolicy(env.ctx, &autoscaling.ExecutePolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("up"), HonorCooldown: aws.Bool(honor)})
		return err
	}
	if err := exec(true); err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(env.activities("web")[0].Cause), "At 2026-11-26T10:10:00Z a user request executed policy up changing the desired capacity from 2 to 4.  At 2026-11-26T10:10:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 2 to 4."; got != want {
		t.Fatalf("cause:\n%q\nwant\n%q", got, want)
	}
	wantAPIError(t, exec(true), "ScalingActivityInProgress", "")
	env.advance(30 * time.Second) // InService; the policy's 60 s cooldown runs
	wantAPIError(t, exec(true), "ScalingActivityInProgress", "")
	env.advance(60 * time.Second)
	if err := exec(true); err != nil {
		t.Fatalf("after the policy cooldown: %v", err)
	}
	if err := exec(false); err != nil {
		t.Fatalf("without HonorCooldown: %v", err)
	}
	if d := aws.ToInt32(env.describe("web").DesiredCapacity); d != 8 {
		t.Fatalf("desired %d, want 8", d)
	}

	if _, err := env.as.PutScalingPolicy(env.ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("steps"), PolicyType: aws.String("StepScaling"),
		AdjustmentType: aws.String("ChangeInCapacity"), StepAdjustments: []types.StepAdjustment{
			{MetricIntervalUpperBound: aws.Float64(0), ScalingAdjustment: aws.Int32(-1)},
			{MetricIntervalLowerBound: aws.Float64(0), MetricIntervalUpperBound: aws.Float64(20), ScalingAdjustment: aws.Int32(1)},
			{MetricIntervalLowerBound: aws.Float64(20), ScalingAdjustment: aws.Int32(2)}}}); err != nil {
		t.Fatal(err)
	}
	_, err := env.as.ExecutePolicy(env.ctx, &autoscaling.ExecutePolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("steps")})
	wantAPIError(t, err, "ValidationError", "MetricValue and BreachThreshold are required to execute step scaling policy steps.")
	if _, err := env.as.ExecutePolicy(env.ctx, &autoscaling.ExecutePolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("steps"),
		MetricValue: aws.Float64(30), BreachThreshold: aws.Float64(50)}); err != nil {
		t.Fatal(err)
	}
	if d := aws.ToInt32(env.describe("web").DesiredCapacity); d != 7 {
		t.Fatalf("step below the threshold should remove one: desired %d, want 7", d)
	}
}

// TestAlarmDrivesSimplePolicy runs the loop the operator relies on: group CPU from the simulation,
// a CloudWatch alarm (created through the CloudWatch SDK) whose action is the policy, scaling with
// AWS's cause wording, and the cooldown holding back the next scale-out.
func TestAlarmDrivesSimplePolicy(t *testing.T) {
	env := newASEnv(t, Options{})
	cw := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(env.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{}})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 10, 2)
	out, err := env.as.PutScalingPolicy(env.ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("scale-out"),
		AdjustmentType: aws.String("ChangeInCapacity"), ScalingAdjustment: aws.Int32(2), Cooldown: aws.Int32(300)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cw.PutMetricAlarm(env.ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("web-cpu-high"), Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("AutoScalingGroupName"), Value: aws.String("web")}},
		Statistic:  cwtypes.StatisticAverage, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(2), Threshold: aws.Float64(70),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, AlarmActions: []string{aws.ToString(out.PolicyARN)},
	}); err != nil {
		t.Fatal(err)
	}
	pols, err := env.as.DescribePolicies(env.ctx, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("web")})
	if err != nil || len(pols.ScalingPolicies[0].Alarms) != 1 || aws.ToString(pols.ScalingPolicies[0].Alarms[0].AlarmName) != "web-cpu-high" {
		t.Fatalf("DescribePolicies should list the alarm acting on the policy: %v %+v", err, pols)
	}

	env.advance(10 * time.Minute) // default 20% load: no scaling
	if d := aws.ToInt32(env.describe("web").DesiredCapacity); d != 2 {
		t.Fatalf("at 20%% CPU desired moved to %d", d)
	}
	env.emu.SetGroupLoad("us-east-1", "web", 90)
	env.advance(3 * time.Minute)
	if d := aws.ToInt32(env.describe("web").DesiredCapacity); d != 4 {
		t.Fatalf("after 3 minutes at 90%%: desired %d, want 4", d)
	}
	acts := env.activities("web")
	cause := aws.ToString(acts[0].Cause)
	if !strings.Contains(cause, "a monitor alarm web-cpu-high in state ALARM triggered policy scale-out changing the desired capacity from 2 to 4.  At ") ||
		!strings.HasSuffix(cause, "an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 2 to 4.") {
		t.Fatalf("cause %q", cause)
	}
	// The alarm stays in ALARM and re-invokes the policy each minute, but the cooldown (300 s after
	// the launches complete) holds it back.
	env.advance(4 * time.Minute)
	if d := aws.ToInt32(env.describe("web").DesiredCapacity); d != 4 {
		t.Fatalf("during the cooldown: desired %d, want 4", d)
	}
	env.advance(3 * time.Minute)
	if d := aws.ToInt32(env.describe("web").DesiredCapacity); d != 6 {
		t.Fatalf("after the cooldown: desired %d, want 6", d)
	}

	// A suspended AlarmNotification process ignores the alarm.
	if _, err := env.as.SuspendProcesses(env.ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: aws.String("web"), ScalingProcesses: []string{"AlarmNotification"}}); err != nil {
		t.Fatal(err)
	}
	env.advance(20 * time.Minute)
	if d := aws.ToInt32(env.describe("web").DesiredCapacity); d != 6 {
		t.Fatalf("with AlarmNotification suspended: desired %d, want 6", d)
	}
}

func TestAlarmDrivesStepPolicy(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 10, 2)
	out, err := env.as.PutScalingPolicy(env.ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("steps"),
		PolicyType: aws.String("StepScaling"), AdjustmentType: aws.String("ChangeInCapacity"), StepAdjustments: []types.StepAdjustment{
			{MetricIntervalLowerBound: aws.Float64(0), MetricIntervalUpperBound: aws.Float64(20), ScalingAdjustment: aws.Int32(1)},
			{MetricIntervalLowerBound: aws.Float64(20), ScalingAdjustment: aws.Int32(3)}}})
	if err != nil {
		t.Fatal(err)
	}
	cw := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(env.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{}})
	if _, err := cw.PutMetricAlarm(env.ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("web-cpu"), Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("AutoScalingGroupName"), Value: aws.String("web")}},
		Statistic:  cwtypes.StatisticAverage, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(60),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, AlarmActions: []string{aws.ToString(out.PolicyARN)},
	}); err != nil {
		t.Fatal(err)
	}
	env.emu.SetGroupLoad("us-east-1", "web", 95) // 35 above the threshold: the +3 step
	env.advance(2 * time.Minute)
	if d := aws.ToInt32(env.describe("web").DesiredCapacity); d != 5 {
		t.Fatalf("desired %d, want 2+3", d)
	}
}

// TestSuspendedProcessesStopTheirBehaviour checks that each suspended process really stops what
// it names, and that resuming catches up.
func TestSuspendedProcessesStopTheirBehaviour(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 0, 10, 2)
	env.advance(time.Minute)
	suspend := func(procs ...string) {
		t.Helper()
		if _, err := env.as.SuspendProcesses(env.ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: aws.String("web"), ScalingProcesses: procs}); err != nil {
			t.Fatal(err)
		}
	}
	resume := func(procs ...string) {
		t.Helper()
		if _, err := env.as.ResumeProcesses(env.ctx, &autoscaling.ResumeProcessesInput{AutoScalingGroupName: aws.String("web"), ScalingProcesses: procs}); err != nil {
			t.Fatal(err)
		}
	}
	setDesired := func(n int32) {
		t.Helper()
		if _, err := env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(n)}); err != nil {
			t.Fatal(err)
		}
	}

	suspend("Launch")
	g := env.describe("web")
	if len(g.SuspendedProcesses) != 1 || aws.ToString(g.SuspendedProcesses[0].ProcessName) != "Launch" || aws.ToString(g.SuspendedProcesses[0].SuspensionReason) != "User suspended at 2026-11-26T10:01:00Z" {
		t.Fatalf("suspended processes: %+v", g.SuspendedProcesses)
	}
	setDesired(4)
	env.advance(time.Minute)
	if n := len(env.describe("web").Instances); n != 2 {
		t.Fatalf("Launch suspended: %d instances, want 2", n)
	}
	resume("Launch")
	if n := len(env.describe("web").Instances); n != 4 {
		t.Fatalf("after resuming Launch: %d instances, want 4", n)
	}

	suspend("Terminate")
	setDesired(1)
	env.advance(time.Minute)
	if n := len(env.describe("web").Instances); n != 4 {
		t.Fatalf("Terminate suspended: %d instances, want 4", n)
	}
	resume("Terminate")
	if n := len(env.describe("web").Instances); n != 1 {
		t.Fatalf("after resuming Terminate: %d instances, want 1", n)
	}

	id := aws.ToString(env.describe("web").Instances[0].InstanceId)
	suspend("HealthCheck")
	if err := env.emu.MarkUnhealthy(id); err != nil {
		t.Fatal(err)
	}
	if h := aws.ToString(env.describe("web").Instances[0].HealthStatus); h != "Healthy" {
		t.Fatalf("HealthCheck suspended: a failed EC2 check should go unnoticed, health %s", h)
	}
	suspend("ReplaceUnhealthy")
	if _, err := env.as.SetInstanceHealth(env.ctx, &autoscaling.SetInstanceHealthInput{InstanceId: aws.String(id), HealthStatus: aws.String("Unhealthy")}); err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	g = env.describe("web")
	if len(g.Instances) != 1 || aws.ToString(g.Instances[0].HealthStatus) != "Unhealthy" {
		t.Fatalf("ReplaceUnhealthy suspended: %+v", g.Instances)
	}
	resume() // all
	g = env.describe("web")
	if len(g.SuspendedProcesses) != 0 || aws.ToString(g.Instances[len(g.Instances)-1].HealthStatus) != "Healthy" || aws.ToString(g.Instances[len(g.Instances)-1].InstanceId) == id {
		t.Fatalf("after resuming everything the unhealthy instance should be replaced: %+v", g.Instances)
	}

	procs, err := env.as.DescribeScalingProcessTypes(env.ctx, &autoscaling.DescribeScalingProcessTypesInput{})
	if err != nil || len(procs.Processes) != 9 {
		t.Fatalf("process types: %v %d", err, len(procs.Processes))
	}
}

// TestAZRebalance: after a decrementing terminate leaves the zones uneven, AZRebalance launches in
// the emptiest zone and then terminates from the fullest, unless it is suspended.
func TestAZRebalance(t *testing.T) {
	for _, suspended := range []bool{false, true} {
		t.Run(fmt.Sprintf("suspended=%v", suspended), func(t *testing.T) {
			env := newASEnv(t, Options{})
			env.mustLC("lc")
			_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(0), MaxSize: aws.Int32(10), DesiredCapacity: aws.Int32(4), AvailabilityZones: []string{"us-east-1a", "us-east-1b"}})
			if err != nil {
				t.Fatal(err)
			}
			if suspended {
				if _, err := env.as.SuspendProcesses(env.ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: aws.String("web"), ScalingProcesses: []string{"AZRebalance"}}); err != nil {
					t.Fatal(err)
				}
			}
			env.advance(time.Minute)
			for _, in := range env.describe("web").Instances {
				if aws.ToString(in.AvailabilityZone) == "us-east-1a" {
					if _, err := env.as.TerminateInstanceInAutoScalingGroup(env.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: in.InstanceId, ShouldDecrementDesiredCapacity: aws.Bool(true)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			env.advance(5 * time.Minute)
			c := zoneCounts(env.describe("web"))
			if suspended && (c["us-east-1a"] != 0 || c["us-east-1b"] != 2) {
				t.Fatalf("AZRebalance suspended: zones %v, want a:0 b:2", c)
			}
			if !suspended && (c["us-east-1a"] != 1 || c["us-east-1b"] != 1) {
				t.Fatalf("after rebalancing: zones %v, want 1 and 1", c)
			}
		})
	}
}
