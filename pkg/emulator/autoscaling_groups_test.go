package emulator

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

func TestGroupLaunchesPendingThenInService(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 10, 4)

	if g := env.group("web"); g.desired != 4 || g.states["Pending"] != 4 {
		t.Fatalf("right after create: %+v, want 4 Pending", g)
	}
	env.advance(29 * time.Second)
	if g := env.group("web"); g.states["Pending"] != 4 {
		t.Fatalf("after 29s: %+v, want still 4 Pending (launch delay 30s)", g)
	}
	env.advance(time.Second)
	if g := env.group("web"); g.states["InService"] != 4 {
		t.Fatalf("after 30s: %+v, want 4 InService", g)
	}

	acts, err := env.as.DescribeScalingActivities(env.ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if len(acts.Activities) != 4 {
		t.Fatalf("got %d activities, want 4", len(acts.Activities))
	}
	a := acts.Activities[0]
	wantCause := "At 2026-11-26T10:00:00Z a user request created an AutoScalingGroup changing the desired capacity from 0 to 4.  At 2026-11-26T10:00:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 4."
	if aws.ToString(a.Cause) != wantCause {
		t.Errorf("cause = %q\nwant    %q", aws.ToString(a.Cause), wantCause)
	}
	if !strings.HasPrefix(aws.ToString(a.Description), "Launching a new EC2 instance: i-0") {
		t.Errorf("description = %q", aws.ToString(a.Description))
	}
	if a.StatusCode != "Successful" || aws.ToInt32(a.Progress) != 100 || !a.EndTime.Equal(asStart.Add(30*time.Second)) {
		t.Errorf("activity = %s %d%% end %v, want Successful 100%% at +30s", a.StatusCode, aws.ToInt32(a.Progress), a.EndTime)
	}
	if !strings.HasPrefix(aws.ToString(a.Details), `{"Availability Zone":"us-east-1`) {
		t.Errorf("details = %q", aws.ToString(a.Details))
	}
}

func TestScaleOutAndInKeepsZonesBalanced(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 0, 20, 6)
	env.advance(time.Minute)
	if c := zoneCounts(env.describe("web")); c["us-east-1a"] != 2 || c["us-east-1b"] != 2 || c["us-east-1c"] != 2 {
		t.Fatalf("6 instances over 3 zones: %v", c)
	}

	env.advance(time.Minute)
	if _, err := env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	g := env.describe("web")
	if c := zoneCounts(g); len(c) != 2 || c["us-east-1a"] > 1 || c["us-east-1b"] > 1 || c["us-east-1c"] > 1 {
		t.Fatalf("scale-in to 2 should leave at most one per zone: %v", c)
	}
	acts := env.activities("web")
	newest := acts[0]
	if !strings.HasPrefix(aws.ToString(newest.Description), "Terminating EC2 instance: i-0") {
		t.Fatalf("newest activity: %q", aws.ToString(newest.Description))
	}
	wantCause := fmt.Sprintf("At 2026-11-26T10:02:00Z a user request explicitly set group desired capacity changing the desired capacity from 6 to 2.  At 2026-11-26T10:02:00Z an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 6 to 2.  At 2026-11-26T10:02:00Z instance %s was selected for termination.",
		strings.TrimPrefix(aws.ToString(newest.Description), "Terminating EC2 instance: "))
	if aws.ToString(newest.Cause) != wantCause {
		t.Fatalf("cause:\n%q\nwant\n%q", aws.ToString(newest.Cause), wantCause)
	}
	if len(acts) != 10 {
		t.Fatalf("got %d activities, want 6 launches + 4 terminations", len(acts))
	}
}

func TestTerminationPrefersOldestLaunchConfiguration(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("old")
	env.mustLC("new")
	_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("old"),
		MinSize: aws.Int32(0), MaxSize: aws.Int32(4), DesiredCapacity: aws.Int32(1), AvailabilityZones: []string{"us-east-1a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("new"), DesiredCapacity: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	if _, err := env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	for _, in := range env.describe("web").Instances {
		if in.LifecycleState == types.LifecycleStateInService && aws.ToString(in.LaunchConfigurationName) != "new" {
			t.Fatalf("the instance from the old launch configuration should have gone first: %+v", in)
		}
	}
}

func TestScaleInProtection(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("lc"), NewInstancesProtectedFromScaleIn: aws.Bool(true),
		MinSize: aws.Int32(0), MaxSize: aws.Int32(4), DesiredCapacity: aws.Int32(2), AvailabilityZones: []string{"us-east-1a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	g := env.describe("web")
	if !aws.ToBool(g.Instances[0].ProtectedFromScaleIn) {
		t.Fatal("new instances should be protected")
	}
	if _, err := env.as.SetInstanceProtection(env.ctx, &autoscaling.SetInstanceProtectionInput{AutoScalingGroupName: aws.String("web"),
		InstanceIds: []string{aws.ToString(g.Instances[0].InstanceId)}, ProtectedFromScaleIn: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	g = env.describe("web")
	if aws.ToInt32(g.DesiredCapacity) != 0 || len(g.Instances) != 1 || !aws.ToBool(g.Instances[0].ProtectedFromScaleIn) {
		t.Fatalf("only the unprotected instance should be terminated: desired %d, %+v", aws.ToInt32(g.DesiredCapacity), g.Instances)
	}
	_, err = env.as.SetInstanceProtection(env.ctx, &autoscaling.SetInstanceProtectionInput{AutoScalingGroupName: aws.String("web"),
		InstanceIds: []string{"i-0000000000000000a"}, ProtectedFromScaleIn: aws.Bool(true)})
	wantAPIError(t, err, "ValidationError", "The instance i-0000000000000000a is not part of Auto Scaling group web.")
}

func TestSubnetsMapToZones(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	subnets := "subnet-0a1b2c3d,subnet-1a2b3c4d,subnet-2a3b4c5d,subnet-3a4b5c6d"
	_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("vpc"), LaunchConfigurationName: aws.String("lc"),
		MinSize: aws.Int32(0), MaxSize: aws.Int32(8), DesiredCapacity: aws.Int32(8), VPCZoneIdentifier: aws.String(subnets),
	})
	if err != nil {
		t.Fatal(err)
	}
	g := env.describe("vpc")
	if aws.ToString(g.VPCZoneIdentifier) != subnets {
		t.Fatalf("VPCZoneIdentifier = %q", aws.ToString(g.VPCZoneIdentifier))
	}
	zoneOf := map[string]string{}
	for _, s := range strings.Split(subnets, ",") {
		zoneOf[s] = subnetZone("us-east-1", s)
	}
	for _, z := range g.AvailabilityZones {
		if !strings.HasPrefix(z, "us-east-1") {
			t.Fatalf("zone %s not in us-east-1", z)
		}
	}
	snap := env.emu.Snapshot().Regions["us-east-1"].Groups["vpc"]
	for _, in := range snap.Instances {
		if zoneOf[in.Subnet] != in.AvailabilityZone {
			t.Fatalf("instance %s in subnet %s but zone %s (subnet's zone %s)", in.ID, in.Subnet, in.AvailabilityZone, zoneOf[in.Subnet])
		}
	}
	acts := env.activities("vpc")
	if d := aws.ToString(acts[0].Details); !strings.HasPrefix(d, `{"Subnet ID":"subnet-`) || !strings.Contains(d, `"Availability Zone":"us-east-1`) {
		t.Fatalf("details = %s", d)
	}
}

func TestUpdateMovesDesiredIntoNewBounds(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 10, 1)
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), MinSize: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	g := env.describe("web")
	if aws.ToInt32(g.DesiredCapacity) != 3 || aws.ToInt32(g.MinSize) != 3 || len(g.Instances) != 3 {
		t.Fatalf("desired %d min %d instances %d, want 3 3 3", aws.ToInt32(g.DesiredCapacity), aws.ToInt32(g.MinSize), len(g.Instances))
	}
	want := "At 2026-11-26T10:00:00Z a user request update of AutoScalingGroup constraints to min: 3, max: 10, desired: 3 changing the desired capacity from 1 to 3.  At 2026-11-26T10:00:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 1 to 3."
	if got := aws.ToString(env.activities("web")[0].Cause); got != want {
		t.Fatalf("cause:\n%q\nwant\n%q", got, want)
	}
}

func TestHonorCooldown(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 0, 10, 1)
	set := func(n int32) error {
		_, err := env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(n), HonorCooldown: aws.Bool(true)})
		return err
	}
	// Launching (activity in progress), then the 300 s default cooldown after it completes at +30 s.
	wantAPIError(t, set(2), "ScalingActivityInProgress", "")
	env.advance(30 * time.Second)
	if err := set(2); err != nil {
		t.Fatalf("the group's first launch is not a scaling activity that starts a cooldown: %v", err)
	}
	env.advance(30 * time.Second) // the +1 instance is InService at +60 s; cooldown until +360 s
	wantAPIError(t, set(3), "ScalingActivityInProgress", "Scaling activity is in progress or the cooldown period is in effect for AutoScalingGroup web; retry after it ends or call without HonorCooldown.")
	env.advance(299 * time.Second)
	wantAPIError(t, set(3), "ScalingActivityInProgress", "")
	env.advance(time.Second)
	if err := set(3); err != nil {
		t.Fatalf("after the cooldown: %v", err)
	}
	// Without HonorCooldown the cooldown does not apply.
	if _, err := env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(4)}); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteGroup(t *testing.T) {
	env := newASEnv(t, Options{TerminationDelay: 20 * time.Second})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 0, 4, 2)
	del := func(force bool) error {
		_, err := env.as.DeleteAutoScalingGroup(env.ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), ForceDelete: aws.Bool(force)})
		return err
	}
	wantAPIError(t, del(false), "ScalingActivityInProgress", "You cannot delete an AutoScalingGroup while there are scaling activities in progress for that group.")
	env.advance(time.Minute)
	wantAPIError(t, del(false), "ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.")

	if err := del(true); err != nil {
		t.Fatal(err)
	}
	g := env.describe("web")
	if aws.ToString(g.Status) != "Delete in progress" || g.Instances[0].LifecycleState != types.LifecycleStateTerminating {
		t.Fatalf("during force delete: status %q, %+v", aws.ToString(g.Status), g.Instances)
	}
	env.advance(20 * time.Second)
	out, err := env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}})
	if err != nil || len(out.AutoScalingGroups) != 0 {
		t.Fatalf("group should be gone once its instances are: %v %v", err, out.AutoScalingGroups)
	}
	// Its activities stay visible only with IncludeDeletedGroups.
	acts, err := env.as.DescribeScalingActivities(env.ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web")})
	if err != nil || len(acts.Activities) != 0 {
		t.Fatalf("activities of a deleted group without IncludeDeletedGroups: %v %d", err, len(acts.Activities))
	}
	acts, err = env.as.DescribeScalingActivities(env.ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web"), IncludeDeletedGroups: aws.Bool(true)})
	if err != nil || len(acts.Activities) != 4 || aws.ToString(acts.Activities[0].AutoScalingGroupState) != "Deleted" {
		t.Fatalf("IncludeDeletedGroups: %v %d activities", err, len(acts.Activities))
	}
	// The launch configuration is free again.
	if _, err := env.as.DeleteLaunchConfiguration(env.ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc")}); err != nil {
		t.Fatal(err)
	}
}

func TestTerminateInstanceInAutoScalingGroup(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 4, 3)
	env.advance(time.Minute)
	ids := []string{}
	for _, in := range env.describe("web").Instances {
		ids = append(ids, aws.ToString(in.InstanceId))
	}

	out, err := env.as.TerminateInstanceInAutoScalingGroup(env.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(ids[0]), ShouldDecrementDesiredCapacity: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	want := "At 2026-11-26T10:01:00Z instance " + ids[0] + " was taken out of service in response to a user request, shrinking the capacity from 3 to 2."
	if aws.ToString(out.Activity.Cause) != want || aws.ToString(out.Activity.Description) != "Terminating EC2 instance: "+ids[0] {
		t.Fatalf("activity: %q / %q", aws.ToString(out.Activity.Description), aws.ToString(out.Activity.Cause))
	}
	if g := env.describe("web"); aws.ToInt32(g.DesiredCapacity) != 2 || len(g.Instances) != 2 {
		t.Fatalf("after decrementing terminate: desired %d, %d instances", aws.ToInt32(g.DesiredCapacity), len(g.Instances))
	}

	// Without decrementing, the instance is replaced.
	if _, err := env.as.TerminateInstanceInAutoScalingGroup(env.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(ids[1]), ShouldDecrementDesiredCapacity: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	g := env.describe("web")
	if aws.ToInt32(g.DesiredCapacity) != 2 || g.Instances[len(g.Instances)-1].LifecycleState != types.LifecycleStatePending {
		t.Fatalf("a replacement should be launching: %+v", g.Instances)
	}
	if cause := aws.ToString(env.activities("web")[0].Cause); cause != "At 2026-11-26T10:01:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 1 to 2." {
		t.Fatalf("replacement cause %q", cause)
	}
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), MinSize: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	_, err = env.as.TerminateInstanceInAutoScalingGroup(env.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(ids[2]), ShouldDecrementDesiredCapacity: aws.Bool(true)})
	wantAPIError(t, err, "ValidationError", "Currently, desiredCapacity is 2 and minSize is 2; the desired capacity cannot be decremented below the minimum. Lower MinSize first or set ShouldDecrementDesiredCapacity=false.")
}

func TestUnhealthyInstancesAreReplaced(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 2, 2, 2)
	env.advance(time.Minute)
	ids := []string{}
	for _, in := range env.describe("web").Instances {
		ids = append(ids, aws.ToString(in.InstanceId))
	}

	if _, err := env.as.SetInstanceHealth(env.ctx, &autoscaling.SetInstanceHealthInput{InstanceId: aws.String(ids[0]), HealthStatus: aws.String("Unhealthy")}); err != nil {
		t.Fatal(err)
	}
	acts := env.activities("web")
	if got, want := aws.ToString(acts[1].Cause), "At 2026-11-26T10:01:00Z an instance was taken out of service in response to a user health-check."; got != want {
		t.Fatalf("termination cause %q, want %q", got, want)
	}
	if got := aws.ToString(acts[0].Description); !strings.HasPrefix(got, "Launching a new EC2 instance") {
		t.Fatalf("newest activity should launch the replacement: %q", got)
	}

	// The Go hook simulates a failed EC2 health check.
	if err := env.emu.MarkUnhealthy(ids[1]); err != nil {
		t.Fatal(err)
	}
	acts = env.activities("web")
	if got, want := aws.ToString(acts[1].Cause), "At 2026-11-26T10:01:00Z an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped."; got != want {
		t.Fatalf("termination cause %q, want %q", got, want)
	}
	env.advance(time.Minute)
	g := env.describe("web")
	if len(g.Instances) != 2 || g.Instances[0].LifecycleState != types.LifecycleStateInService || g.Instances[1].LifecycleState != types.LifecycleStateInService {
		t.Fatalf("two healthy replacements expected: %+v", g.Instances)
	}
	if err := env.emu.MarkUnhealthy("i-0nothere"); err == nil {
		t.Fatal("MarkUnhealthy of an unknown instance should fail")
	}
}

func TestDescribeGroupsFiltersAndPagination(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	for i := range 7 {
		name := fmt.Sprintf("g%d", i)
		env.mustGroup(name, "lc", 0, 1, 0)
		env_ := "dev"
		if i%2 == 0 {
			env_ = "prod"
		}
		if _, err := env.as.CreateOrUpdateTags(env.ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: []types.Tag{
			{ResourceId: aws.String(name), ResourceType: aws.String("auto-scaling-group"), Key: aws.String("env"), Value: aws.String(env_)}}}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(in *autoscaling.DescribeAutoScalingGroupsInput) []string {
		var out []string
		p := autoscaling.NewDescribeAutoScalingGroupsPaginator(env.as, in)
		pages := 0
		for p.HasMorePages() {
			page, err := p.NextPage(env.ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, g := range page.AutoScalingGroups {
				out = append(out, aws.ToString(g.AutoScalingGroupName))
			}
		}
		return append(out, fmt.Sprintf("pages=%d", pages))
	}
	check := func(got []string, want string) {
		t.Helper()
		if strings.Join(got, ",") != want {
			t.Fatalf("got %s, want %s", strings.Join(got, ","), want)
		}
	}
	check(names(&autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(3)}), "g0,g1,g2,g3,g4,g5,g6,pages=3")
	check(names(&autoscaling.DescribeAutoScalingGroupsInput{Filters: []types.Filter{{Name: aws.String("tag:env"), Values: []string{"prod"}}}}), "g0,g2,g4,g6,pages=1")
	check(names(&autoscaling.DescribeAutoScalingGroupsInput{Filters: []types.Filter{{Name: aws.String("tag-value"), Values: []string{"dev", "nope"}}}}), "g1,g3,g5,pages=1")
	check(names(&autoscaling.DescribeAutoScalingGroupsInput{Filters: []types.Filter{{Name: aws.String("tag-key"), Values: []string{"team"}}}}), "pages=1")
	check(names(&autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"g5", "g1", "missing"}}), "g1,g5,pages=1")
	check(names(&autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"g5", "g1"}, Filters: []types.Filter{{Name: aws.String("tag:env"), Values: []string{"dev"}}}, MaxRecords: aws.Int32(1)}), "g1,g5,pages=2")

	// Deleting groups between pages skips nothing that remains.
	first, err := env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.as.DeleteAutoScalingGroup(env.ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("g2")}); err != nil {
		t.Fatal(err)
	}
	rest, err := env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(10), NextToken: first.NextToken})
	if err != nil || len(rest.AutoScalingGroups) != 4 || aws.ToString(rest.AutoScalingGroups[0].AutoScalingGroupName) != "g3" {
		t.Fatalf("page after deleting the next page's first group: %v %d", err, len(rest.AutoScalingGroups))
	}
}

func TestDescribeAutoScalingInstances(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("a", "lc", 0, 60, 30)
	env.mustGroup("b", "lc", 0, 60, 30)
	var all []types.AutoScalingInstanceDetails
	p := autoscaling.NewDescribeAutoScalingInstancesPaginator(env.as, &autoscaling.DescribeAutoScalingInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.AutoScalingInstances) > 50 {
			t.Fatalf("page of %d, AWS's maximum is 50", len(page.AutoScalingInstances))
		}
		all = append(all, page.AutoScalingInstances...)
	}
	if len(all) != 60 {
		t.Fatalf("got %d instances, want 60", len(all))
	}
	one, err := env.as.DescribeAutoScalingInstances(env.ctx, &autoscaling.DescribeAutoScalingInstancesInput{InstanceIds: []string{aws.ToString(all[7].InstanceId)}})
	if err != nil || len(one.AutoScalingInstances) != 1 {
		t.Fatalf("by id: %v %v", err, one)
	}
	d := one.AutoScalingInstances[0]
	if aws.ToString(d.AutoScalingGroupName) == "" || aws.ToString(d.LifecycleState) != "Pending" || aws.ToString(d.HealthStatus) != "HEALTHY" ||
		aws.ToString(d.LaunchConfigurationName) != "lc" || aws.ToString(d.InstanceType) != "t3.micro" {
		t.Fatalf("details: %+v", d)
	}
}
