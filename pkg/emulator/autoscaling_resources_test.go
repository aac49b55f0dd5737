package emulator

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

func TestLaunchConfigurationRoundTrip(t *testing.T) {
	env := newASEnv(t, Options{})
	userData := base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hello\n"))
	in := &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("full"), ImageId: aws.String("ami-0abcdef1234567890"), InstanceType: aws.String("m5.large"),
		KeyName: aws.String("ops"), SecurityGroups: []string{"sg-1", "sg-2"}, UserData: aws.String(userData),
		KernelId: aws.String("aki-1"), RamdiskId: aws.String("ari-1"), IamInstanceProfile: aws.String("arn:aws:iam::123456789012:instance-profile/web"),
		EbsOptimized: aws.Bool(true), AssociatePublicIpAddress: aws.Bool(false), PlacementTenancy: aws.String("dedicated"), SpotPrice: aws.String("0.05"),
		InstanceMonitoring: &types.InstanceMonitoring{Enabled: aws.Bool(false)},
		MetadataOptions:    &types.InstanceMetadataOptions{HttpTokens: types.InstanceMetadataHttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2), HttpEndpoint: types.InstanceMetadataEndpointStateEnabled},
		BlockDeviceMappings: []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &types.Ebs{VolumeSize: aws.Int32(50), VolumeType: aws.String("gp3"), DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(true), Iops: aws.Int32(3000), Throughput: aws.Int32(250), SnapshotId: aws.String("snap-1")}},
			{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
			{DeviceName: aws.String("/dev/sdc"), NoDevice: aws.Bool(true)},
		},
	}
	if _, err := env.as.CreateLaunchConfiguration(env.ctx, in); err != nil {
		t.Fatal(err)
	}
	env.mustLC("plain")
	out, err := env.as.DescribeLaunchConfigurations(env.ctx, &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: []string{"full", "plain"}})
	if err != nil || len(out.LaunchConfigurations) != 2 {
		t.Fatalf("%v %d", err, len(out.LaunchConfigurations))
	}
	lc, plain := out.LaunchConfigurations[0], out.LaunchConfigurations[1]
	for field, ok := range map[string]bool{
		"name":          aws.ToString(lc.LaunchConfigurationName) == "full",
		"image":         aws.ToString(lc.ImageId) == "ami-0abcdef1234567890",
		"type":          aws.ToString(lc.InstanceType) == "m5.large",
		"key":           aws.ToString(lc.KeyName) == "ops",
		"sgs":           fmt.Sprint(lc.SecurityGroups) == "[sg-1 sg-2]",
		"userdata":      aws.ToString(lc.UserData) == userData,
		"kernel":        aws.ToString(lc.KernelId) == "aki-1",
		"ramdisk":       aws.ToString(lc.RamdiskId) == "ari-1",
		"profile":       aws.ToString(lc.IamInstanceProfile) == "arn:aws:iam::123456789012:instance-profile/web",
		"ebsopt":        aws.ToBool(lc.EbsOptimized),
		"publicip":      lc.AssociatePublicIpAddress != nil && !*lc.AssociatePublicIpAddress,
		"tenancy":       aws.ToString(lc.PlacementTenancy) == "dedicated",
		"spot":          aws.ToString(lc.SpotPrice) == "0.05",
		"monitoring":    lc.InstanceMonitoring != nil && !aws.ToBool(lc.InstanceMonitoring.Enabled),
		"metadata":      lc.MetadataOptions.HttpTokens == "required" && aws.ToInt32(lc.MetadataOptions.HttpPutResponseHopLimit) == 2 && lc.MetadataOptions.HttpEndpoint == "enabled",
		"bdm count":     len(lc.BlockDeviceMappings) == 3,
		"ebs":           aws.ToInt32(lc.BlockDeviceMappings[0].Ebs.VolumeSize) == 50 && aws.ToString(lc.BlockDeviceMappings[0].Ebs.VolumeType) == "gp3" && aws.ToBool(lc.BlockDeviceMappings[0].Ebs.Encrypted) && aws.ToInt32(lc.BlockDeviceMappings[0].Ebs.Throughput) == 250 && aws.ToInt32(lc.BlockDeviceMappings[0].Ebs.Iops) == 3000 && aws.ToString(lc.BlockDeviceMappings[0].Ebs.SnapshotId) == "snap-1" && aws.ToBool(lc.BlockDeviceMappings[0].Ebs.DeleteOnTermination),
		"virtual":       aws.ToString(lc.BlockDeviceMappings[1].VirtualName) == "ephemeral0" && lc.BlockDeviceMappings[1].Ebs == nil,
		"nodevice":      aws.ToBool(lc.BlockDeviceMappings[2].NoDevice),
		"created":       lc.CreatedTime.Equal(asStart),
		"plain monitor": aws.ToBool(plain.InstanceMonitoring.Enabled), // AWS's default
		"plain lists":   plain.SecurityGroups != nil && plain.BlockDeviceMappings != nil,
	} {
		if !ok {
			t.Errorf("%s did not round-trip: %+v", field, lc)
		}
	}

	// Pagination over more than a page, and creation from a group's instance.
	for i := range 5 {
		env.mustLC(fmt.Sprintf("lc-%d", i))
	}
	var names []string
	p := autoscaling.NewDescribeLaunchConfigurationsPaginator(env.as, &autoscaling.DescribeLaunchConfigurationsInput{MaxRecords: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, lc := range page.LaunchConfigurations {
			names = append(names, aws.ToString(lc.LaunchConfigurationName))
		}
	}
	if fmt.Sprint(names) != "[full lc-0 lc-1 lc-2 lc-3 lc-4 plain]" {
		t.Fatalf("paged names %v", names)
	}
	env.mustGroup("web", "full", 1, 1, 1)
	id := aws.ToString(env.describe("web").Instances[0].InstanceId)
	if _, err := env.as.CreateLaunchConfiguration(env.ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("copy"), InstanceId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	c, _ := env.as.DescribeLaunchConfigurations(env.ctx, &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: []string{"copy"}})
	if aws.ToString(c.LaunchConfigurations[0].ImageId) != "ami-0abcdef1234567890" || aws.ToString(c.LaunchConfigurations[0].InstanceType) != "m5.large" {
		t.Fatalf("copied from instance: %+v", c.LaunchConfigurations[0])
	}
}

func TestTags(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("lc"),
		MinSize: aws.Int32(0), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-east-1a"},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("payments"), PropagateAtLaunch: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	env.mustGroup("api", "lc", 0, 1, 0)
	tag := func(group, k, v string, propagate bool) types.Tag {
		return types.Tag{ResourceId: aws.String(group), ResourceType: aws.String("auto-scaling-group"), Key: aws.String(k), Value: aws.String(v), PropagateAtLaunch: aws.Bool(propagate)}
	}
	if _, err := env.as.CreateOrUpdateTags(env.ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: []types.Tag{
		tag("web", "env", "prod", false), tag("web", "team", "checkout", true), tag("api", "env", "dev", true)}}); err != nil {
		t.Fatal(err)
	}
	describe := func(filters ...types.Filter) []string {
		t.Helper()
		var out []string
		p := autoscaling.NewDescribeTagsPaginator(env.as, &autoscaling.DescribeTagsInput{Filters: filters, MaxRecords: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(env.ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, td := range page.Tags {
				out = append(out, fmt.Sprintf("%s/%s=%s/%v/%s", aws.ToString(td.ResourceId), aws.ToString(td.Key), aws.ToString(td.Value), aws.ToBool(td.PropagateAtLaunch), aws.ToString(td.ResourceType)))
			}
		}
		return out
	}
	check := func(got []string, want string) {
		t.Helper()
		if fmt.Sprint(got) != want {
			t.Fatalf("got %v\nwant %s", got, want)
		}
	}
	check(describe(), "[api/env=dev/true/auto-scaling-group web/env=prod/false/auto-scaling-group web/team=checkout/true/auto-scaling-group]")
	check(describe(types.Filter{Name: aws.String("auto-scaling-group"), Values: []string{"web"}}, types.Filter{Name: aws.String("propagate-at-launch"), Values: []string{"true"}}),
		"[web/team=checkout/true/auto-scaling-group]")
	check(describe(types.Filter{Name: aws.String("key"), Values: []string{"env"}}, types.Filter{Name: aws.String("value"), Values: []string{"prod", "dev"}}),
		"[api/env=dev/true/auto-scaling-group web/env=prod/false/auto-scaling-group]")
	if got := env.describe("web").Tags; len(got) != 2 || aws.ToString(got[1].Value) != "checkout" {
		t.Fatalf("group tags %+v", got)
	}

	if _, err := env.as.DeleteTags(env.ctx, &autoscaling.DeleteTagsInput{Tags: []types.Tag{tag("web", "team", "", false)}}); err != nil {
		t.Fatal(err)
	}
	check(describe(types.Filter{Name: aws.String("auto-scaling-group"), Values: []string{"web"}}), "[web/env=prod/false/auto-scaling-group]")

	var many []types.Tag
	for i := range 50 {
		many = append(many, tag("api", fmt.Sprintf("k%02d", i), "v", false))
	}
	_, err = env.as.CreateOrUpdateTags(env.ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: many})
	wantAPIError(t, err, "LimitExceeded", "The number of tags on AutoScalingGroup api would be 51; the limit is 50 tags per group.")
	_, err = env.as.DescribeTags(env.ctx, &autoscaling.DescribeTagsInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}})
	wantAPIError(t, err, "ValidationError", "Filter name colour is not valid: use auto-scaling-group, key, value or propagate-at-launch.")
}

func TestLoadBalancersAndTargetGroups(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 2, 1)
	tg := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
	if _, err := env.as.AttachLoadBalancers(env.ctx, &autoscaling.AttachLoadBalancersInput{AutoScalingGroupName: aws.String("web"), LoadBalancerNames: []string{"classic"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.as.AttachLoadBalancerTargetGroups(env.ctx, &autoscaling.AttachLoadBalancerTargetGroupsInput{AutoScalingGroupName: aws.String("web"), TargetGroupARNs: []string{tg}}); err != nil {
		t.Fatal(err)
	}
	lbState := func() string {
		out, err := env.as.DescribeLoadBalancers(env.ctx, &autoscaling.DescribeLoadBalancersInput{AutoScalingGroupName: aws.String("web")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.LoadBalancers) == 0 {
			return "none"
		}
		return aws.ToString(out.LoadBalancers[0].LoadBalancerName) + ":" + aws.ToString(out.LoadBalancers[0].State)
	}
	tgState := func() string {
		out, err := env.as.DescribeLoadBalancerTargetGroups(env.ctx, &autoscaling.DescribeLoadBalancerTargetGroupsInput{AutoScalingGroupName: aws.String("web")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.LoadBalancerTargetGroups) == 0 {
			return "none"
		}
		return aws.ToString(out.LoadBalancerTargetGroups[0].State)
	}
	if lbState() != "classic:Adding" || tgState() != "Adding" {
		t.Fatalf("right after attaching: %s %s", lbState(), tgState())
	}
	env.advance(time.Minute)
	if lbState() != "classic:Added" || tgState() != "Added" {
		t.Fatalf("after a minute: %s %s", lbState(), tgState())
	}
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), HealthCheckType: aws.String("ELB")}); err != nil {
		t.Fatal(err)
	}
	env.advance(10 * time.Second)
	if lbState() != "classic:InService" || tgState() != "InService" {
		t.Fatalf("with ELB health checks and an InService instance: %s %s", lbState(), tgState())
	}
	g := env.describe("web")
	if fmt.Sprint(g.LoadBalancerNames) != "[classic]" || fmt.Sprint(g.TargetGroupARNs) != "["+tg+"]" || len(g.TrafficSources) != 2 {
		t.Fatalf("group view: %v %v %+v", g.LoadBalancerNames, g.TargetGroupARNs, g.TrafficSources)
	}
	if _, err := env.as.DetachLoadBalancers(env.ctx, &autoscaling.DetachLoadBalancersInput{AutoScalingGroupName: aws.String("web"), LoadBalancerNames: []string{"classic"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.as.DetachLoadBalancerTargetGroups(env.ctx, &autoscaling.DetachLoadBalancerTargetGroupsInput{AutoScalingGroupName: aws.String("web"), TargetGroupARNs: []string{tg}}); err != nil {
		t.Fatal(err)
	}
	if lbState() != "classic:Removing" || tgState() != "Removing" {
		t.Fatalf("right after detaching: %s %s", lbState(), tgState())
	}
	env.advance(10 * time.Second)
	if lbState() != "none" || tgState() != "none" {
		t.Fatalf("after detaching: %s %s", lbState(), tgState())
	}

	// With AddToLoadBalancer suspended, attachments stay Adding.
	if _, err := env.as.SuspendProcesses(env.ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: aws.String("web"), ScalingProcesses: []string{"AddToLoadBalancer"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.as.AttachLoadBalancers(env.ctx, &autoscaling.AttachLoadBalancersInput{AutoScalingGroupName: aws.String("web"), LoadBalancerNames: []string{"classic"}}); err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	if lbState() != "classic:Adding" {
		t.Fatalf("AddToLoadBalancer suspended: %s", lbState())
	}
}

func TestInstanceRefresh(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("v1")
	env.mustLC("v2")
	env.mustGroup("web", "v1", 4, 4, 4)
	env.advance(time.Minute)
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	start, err := env.as.StartInstanceRefresh(env.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		Preferences: &types.RefreshPreferences{MinHealthyPercentage: aws.Int32(50), InstanceWarmup: aws.Int32(60)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.as.StartInstanceRefresh(env.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	wantAPIError(t, err, "InstanceRefreshInProgress", "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.")

	refresh := func() types.InstanceRefresh {
		t.Helper()
		out, err := env.as.DescribeInstanceRefreshes(env.ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web")})
		if err != nil || len(out.InstanceRefreshes) != 1 {
			t.Fatalf("%v %+v", err, out)
		}
		return out.InstanceRefreshes[0]
	}
	r := refresh()
	if aws.ToString(r.InstanceRefreshId) != aws.ToString(start.InstanceRefreshId) || r.Status != types.InstanceRefreshStatusPending || aws.ToInt32(r.PercentageComplete) != 0 ||
		aws.ToInt32(r.InstancesToUpdate) != 4 || aws.ToInt32(r.Preferences.MinHealthyPercentage) != 50 {
		t.Fatalf("just started: %+v", r)
	}
	env.advance(10 * time.Second) // first batch (50% of 4 = 2) replaced
	if r = refresh(); r.Status != types.InstanceRefreshStatusInProgress || aws.ToInt32(r.PercentageComplete) != 0 {
		t.Fatalf("first batch: %s %d%%", r.Status, aws.ToInt32(r.PercentageComplete))
	}
	env.advance(30*time.Second + 60*time.Second) // launched + warmed up
	if r = refresh(); r.Status != types.InstanceRefreshStatusInProgress || aws.ToInt32(r.PercentageComplete) != 50 || aws.ToInt32(r.InstancesToUpdate) != 2 {
		t.Fatalf("after the first batch: %s %d%% %d to update", r.Status, aws.ToInt32(r.PercentageComplete), aws.ToInt32(r.InstancesToUpdate))
	}
	env.advance(5 * time.Minute)
	if r = refresh(); r.Status != types.InstanceRefreshStatusSuccessful || aws.ToInt32(r.PercentageComplete) != 100 || r.EndTime == nil {
		t.Fatalf("at the end: %+v", r)
	}
	for _, in := range env.describe("web").Instances {
		if aws.ToString(in.LaunchConfigurationName) != "v2" || in.LifecycleState != types.LifecycleStateInService {
			t.Fatalf("after the refresh every instance runs v2: %+v", in)
		}
	}
	refreshTerminations := 0
	for _, a := range env.activities("web") {
		if strings.Contains(aws.ToString(a.Cause), "an instance was taken out of service in response to an instance refresh.") {
			refreshTerminations++
		}
	}
	if refreshTerminations != 4 {
		t.Fatalf("%d terminations caused by the refresh, want 4", refreshTerminations)
	}

	// A refresh paused by suspending InstanceRefresh, then cancelled.
	if _, err := env.as.StartInstanceRefresh(env.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.as.SuspendProcesses(env.ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: aws.String("web"), ScalingProcesses: []string{"InstanceRefresh"}}); err != nil {
		t.Fatal(err)
	}
	env.advance(10 * time.Minute)
	out, _ := env.as.DescribeInstanceRefreshes(env.ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web")})
	if out.InstanceRefreshes[0].Status != types.InstanceRefreshStatusPending {
		t.Fatalf("suspended refresh moved on: %s", out.InstanceRefreshes[0].Status)
	}
	if _, err := env.as.CancelInstanceRefresh(env.ctx, &autoscaling.CancelInstanceRefreshInput{AutoScalingGroupName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	out, _ = env.as.DescribeInstanceRefreshes(env.ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web")})
	if len(out.InstanceRefreshes) != 2 || out.InstanceRefreshes[0].Status != types.InstanceRefreshStatusCancelled {
		t.Fatalf("after cancelling: %+v", out.InstanceRefreshes)
	}
	_, err = env.as.CancelInstanceRefresh(env.ctx, &autoscaling.CancelInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	wantAPIError(t, err, "ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group web")
}

func TestAccountActions(t *testing.T) {
	env := newASEnv(t, Options{Limits: Limits{MaxNumberOfAutoScalingGroups: 2000}})
	env.mustLC("lc")
	env.mustGroup("g", "lc", 0, 1, 0)
	limits, err := env.as.DescribeAccountLimits(env.ctx, &autoscaling.DescribeAccountLimitsInput{})
	if err != nil || aws.ToInt32(limits.MaxNumberOfAutoScalingGroups) != 2000 || aws.ToInt32(limits.MaxNumberOfLaunchConfigurations) != 200 ||
		aws.ToInt32(limits.NumberOfAutoScalingGroups) != 1 || aws.ToInt32(limits.NumberOfLaunchConfigurations) != 1 {
		t.Fatalf("limits: %v %+v", err, limits)
	}
	adj, err := env.as.DescribeAdjustmentTypes(env.ctx, &autoscaling.DescribeAdjustmentTypesInput{})
	if err != nil || len(adj.AdjustmentTypes) != 3 || aws.ToString(adj.AdjustmentTypes[2].AdjustmentType) != "PercentChangeInCapacity" {
		t.Fatalf("adjustment types: %v %+v", err, adj)
	}
	tp, err := env.as.DescribeTerminationPolicyTypes(env.ctx, &autoscaling.DescribeTerminationPolicyTypesInput{})
	if err != nil || fmt.Sprint(tp.TerminationPolicyTypes) != "[AllocationStrategy ClosestToNextInstanceHour Default NewestInstance OldestInstance OldestLaunchConfiguration OldestLaunchTemplate]" {
		t.Fatalf("termination policy types: %v %v", err, tp.TerminationPolicyTypes)
	}
}
