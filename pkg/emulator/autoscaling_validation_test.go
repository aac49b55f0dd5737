package emulator

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// TestValidationErrors checks the error code and exact message of each invalid request, as the
// operator's error classification (and people reading its conditions) depend on both.
func TestValidationErrors(t *testing.T) {
	env := newASEnv(t, Options{Limits: Limits{MaxNumberOfAutoScalingGroups: 2, MaxNumberOfLaunchConfigurations: 2}})
	env.mustLC("lc")
	env.mustGroup("g1", "lc", 1, 4, 1)
	ctx := env.ctx
	as := env.as
	zones := []string{"us-east-1a"}

	cases := []struct {
		name          string
		call          func() error
		code, message string
	}{
		{"min greater than max", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("x"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(3), MaxSize: aws.Int32(2), AvailabilityZones: zones})
			return err
		}, "ValidationError", "Max bound, 2, must be greater than or equal to min bound, 3"},
		{"desired above max", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("x"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), DesiredCapacity: aws.Int32(5), AvailabilityZones: zones})
			return err
		}, "ValidationError", "Desired capacity:5 must be between the specified min size:1 and max size:4"},
		{"unknown launch configuration", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("x"), LaunchConfigurationName: aws.String("my-lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), AvailabilityZones: zones})
			return err
		}, "ValidationError", "Launch configuration name not found - Launch configuration my-lc not found"},
		{"no zones or subnets", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("x"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4)})
			return err
		}, "ValidationError", "At least one Availability Zone or VPC Subnet is required."},
		{"zone of another region", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("x"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), AvailabilityZones: []string{"eu-west-1a"}})
			return err
		}, "ValidationError", "Invalid Availability Zone: eu-west-1a. The zones of us-east-1 are us-east-1a, us-east-1b, us-east-1c and so on."},
		{"malformed subnet", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("x"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), VPCZoneIdentifier: aws.String("subnet-nothex")})
			return err
		}, "ValidationError", "The subnet ID 'subnet-nothex' does not exist"},
		{"name too long", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(strings.Repeat("n", 256)), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), AvailabilityZones: zones})
			return err
		}, "ValidationError", "1 validation error detected: Value '" + strings.Repeat("n", 64) + "...' at 'autoScalingGroupName' failed to satisfy constraint: Member must have length less than or equal to 255"},
		{"bad health check type", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("x"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), AvailabilityZones: zones, HealthCheckType: aws.String("TCP")})
			return err
		}, "ValidationError", "1 validation error detected: Value 'TCP' at 'healthCheckType' failed to satisfy constraint: Member must satisfy enum value set: [EC2, ELB, VPC_LATTICE, EBS]"},
		{"neither launch configuration nor template", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("x"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), AvailabilityZones: zones})
			return err
		}, "ValidationError", "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter."},
		{"group already exists", func() error {
			_, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("g1"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), AvailabilityZones: zones})
			return err
		}, "AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name g1 already exists"},
		{"launch configuration already exists", func() error {
			_, err := as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc"), ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")})
			return err
		}, "AlreadyExists", "Launch Configuration by this name already exists - A launch configuration already exists with the name lc"},
		{"launch configuration without image", func() error {
			_, err := as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc2"), InstanceType: aws.String("t3.micro")})
			return err
		}, "ValidationError", "Valid requests must contain either the InstanceID or ImageId parameter: set ImageId (and InstanceType) or InstanceId."},
		{"delete launch configuration in use", func() error {
			_, err := as.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc")})
			return err
		}, "ResourceInUse", "Cannot delete launch configuration lc because it is attached to AutoScalingGroup g1"},
		{"delete unknown launch configuration", func() error {
			_, err := as.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String("nope")})
			return err
		}, "ValidationError", "Launch configuration name not found - Launch configuration nope not found"},
		{"update unknown group", func() error {
			_, err := as.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("nope"), MaxSize: aws.Int32(3)})
			return err
		}, "ValidationError", "AutoScalingGroup name not found - AutoScalingGroup nope not found"},
		{"update min above max", func() error {
			_, err := as.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("g1"), MinSize: aws.Int32(5)})
			return err
		}, "ValidationError", "Max bound, 4, must be greater than or equal to min bound, 5"},
		{"set desired above max", func() error {
			_, err := as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("g1"), DesiredCapacity: aws.Int32(10)})
			return err
		}, "ValidationError", "New SetDesiredCapacity value 10 is above max value 4 for the AutoScalingGroup."},
		{"set desired below min", func() error {
			_, err := as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("g1"), DesiredCapacity: aws.Int32(0)})
			return err
		}, "ValidationError", "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup."},
		{"delete group with instances", func() error {
			env.advance(60e9)
			_, err := as.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("g1")})
			return err
		}, "ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group."},
		{"bad scaling process", func() error {
			_, err := as.SuspendProcesses(ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: aws.String("g1"), ScalingProcesses: []string{"Lunch"}})
			return err
		}, "ValidationError", "Invalid scaling process name: Lunch. Valid process names are Launch, Terminate, AddToLoadBalancer, AlarmNotification, AZRebalance, HealthCheck, InstanceRefresh, ReplaceUnhealthy, ScheduledActions."},
		{"bad termination policy", func() error {
			_, err := as.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("g1"), TerminationPolicies: []string{"Youngest"}})
			return err
		}, "ValidationError", "Termination policy Youngest is not valid: use one of AllocationStrategy, ClosestToNextInstanceHour, Default, NewestInstance, OldestInstance, OldestLaunchConfiguration, OldestLaunchTemplate, or a Lambda function ARN."},
		{"MaxRecords above the limit", func() error {
			_, err := as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(101)})
			return err
		}, "ValidationError", "1 validation error detected: Value '101' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"garbage NextToken", func() error {
			_, err := as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{NextToken: aws.String("!!")})
			return err
		}, "InvalidNextToken", `The NextToken value "!!" is invalid: pass the NextToken of the previous response unchanged.`},
		{"terminate unknown instance", func() error {
			_, err := as.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String("i-0123456789abcdef0"), ShouldDecrementDesiredCapacity: aws.Bool(false)})
			return err
		}, "ValidationError", "Instance Id not found - No managed instance found for instance ID: i-0123456789abcdef0"},
		{"step policy with gap", func() error {
			_, err := as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("g1"), PolicyName: aws.String("p"), PolicyType: aws.String("StepScaling"),
				AdjustmentType: aws.String("ChangeInCapacity"), StepAdjustments: []types.StepAdjustment{
					{MetricIntervalLowerBound: aws.Float64(0), MetricIntervalUpperBound: aws.Float64(10), ScalingAdjustment: aws.Int32(1)},
					{MetricIntervalLowerBound: aws.Float64(20), ScalingAdjustment: aws.Int32(2)}}})
			return err
		}, "ValidationError", "Step adjustments leave a gap between 10 and 20: the intervals of a step policy must be contiguous."},
		{"simple policy without adjustment", func() error {
			_, err := as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("g1"), PolicyName: aws.String("p"), AdjustmentType: aws.String("ChangeInCapacity")})
			return err
		}, "ValidationError", "ScalingAdjustment is required for policy type SimpleScaling."},
		{"bad adjustment type", func() error {
			_, err := as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("g1"), PolicyName: aws.String("p"), AdjustmentType: aws.String("Double"), ScalingAdjustment: aws.Int32(1)})
			return err
		}, "ValidationError", "1 validation error detected: Value 'Double' at 'adjustmentType' failed to satisfy constraint: Member must satisfy enum value set: [ChangeInCapacity, ExactCapacity, PercentChangeInCapacity]"},
		{"min adjustment magnitude without percent", func() error {
			_, err := as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("g1"), PolicyName: aws.String("p"), AdjustmentType: aws.String("ChangeInCapacity"), ScalingAdjustment: aws.Int32(1), MinAdjustmentMagnitude: aws.Int32(2)})
			return err
		}, "ValidationError", "MinAdjustmentMagnitude is only supported with adjustment type PercentChangeInCapacity."},
		{"tag on unknown group", func() error {
			_, err := as.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: []types.Tag{{ResourceId: aws.String("nope"), ResourceType: aws.String("auto-scaling-group"), Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "ValidationError", "Auto Scaling group nope does not exist (tag ResourceId)."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantAPIError(t, c.call(), c.code, c.message) })
	}

	// Limits come last: they need the other resources to exist.
	env.mustLC("lc2")
	_, err := as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc3"), ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")})
	wantAPIError(t, err, "LimitExceeded", "Launch configuration limit exceeded: 2 launch configurations already exist in us-east-1 (the account limit is 2). Delete unused launch configurations or raise the limit.")
	env.mustGroup("g2", "lc", 0, 1, 0)
	_, err = as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("g3"), LaunchConfigurationName: aws.String("lc"),
		MinSize: aws.Int32(0), MaxSize: aws.Int32(1), AvailabilityZones: zones})
	wantAPIError(t, err, "LimitExceeded", "You have reached your limit of 2 Auto Scaling groups in us-east-1. Delete unused groups or raise the limit (Options.Limits in the emulator).")
}
