package emulator

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// mustTemplateGroup creates a group over three zones that launches from a template version.
func (env *asEnv) mustTemplateGroup(name, templateID, version string, desired int32) {
	env.t.Helper()
	spec := &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(templateID)}
	if version != "" {
		spec.Version = aws.String(version)
	}
	_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name), LaunchTemplate: spec,
		MinSize: aws.Int32(0), MaxSize: aws.Int32(50), DesiredCapacity: aws.Int32(desired),
		AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		Tags:              []types.Tag{{Key: aws.String("team"), Value: aws.String(name), PropagateAtLaunch: aws.Bool(true)}, {Key: aws.String("private"), Value: aws.String("x")}},
	})
	if err != nil {
		env.t.Fatalf("CreateAutoScalingGroup %s: %v", name, err)
	}
}

func (env *asEnv) setDesired(group string, n int32) {
	env.t.Helper()
	if _, err := env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String(group), DesiredCapacity: aws.Int32(n)}); err != nil {
		env.t.Fatalf("SetDesiredCapacity %s %d: %v", group, n, err)
	}
}

// instanceVersions maps a group's live instances to the launch template version each runs ("lc"
// for a launch configuration).
func instanceVersions(g types.AutoScalingGroup) map[string]string {
	out := map[string]string{}
	for _, in := range g.Instances {
		if strings.HasPrefix(string(in.LifecycleState), "Terminating") {
			continue
		}
		switch {
		case in.LaunchTemplate != nil:
			out[aws.ToString(in.InstanceId)] = aws.ToString(in.LaunchTemplate.Version)
		case in.LaunchConfigurationName != nil:
			out[aws.ToString(in.InstanceId)] = "lc"
		}
	}
	return out
}

func countOf(m map[string]string, v string) int {
	n := 0
	for _, x := range m {
		if x == v {
			n++
		}
	}
	return n
}

// ec2Instances describes instances through the EC2 SDK, by id.
func (env *asEnv) ec2Instances(in *ec2.DescribeInstancesInput) map[string]ec2types.Instance {
	env.t.Helper()
	out := map[string]ec2types.Instance{}
	p := ec2.NewDescribeInstancesPaginator(env.ec2, in)
	for p.HasMorePages() {
		page, err := p.NextPage(env.ctx)
		if err != nil {
			env.t.Fatalf("DescribeInstances: %v", err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				out[aws.ToString(i.InstanceId)] = i
			}
		}
	}
	return out
}

func tagMap(tags []ec2types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// TestTemplateGroups: groups launch from template versions, $Latest and $Default resolved at each
// launch; a new version or a move to another version touches no running instance.
func TestTemplateGroups(t *testing.T) {
	env := newASEnv(t, Options{})
	out, err := env.ec2.CreateLaunchTemplate(env.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-1"), InstanceType: ec2types.InstanceTypeT3Micro,
			Monitoring: &ec2types.LaunchTemplatesMonitoringRequest{Enabled: aws.Bool(true)},
			TagSpecifications: []ec2types.LaunchTemplateTagSpecificationRequest{{ResourceType: ec2types.ResourceTypeInstance,
				Tags: []ec2types.Tag{{Key: aws.String("role"), Value: aws.String("frontend")}, {Key: aws.String("team"), Value: aws.String("template")}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.LaunchTemplate.LaunchTemplateId)
	// By name, as the tutorial would; the group keeps both id and name.
	_, err = env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("web"), Version: aws.String("$Latest")},
		MinSize:        aws.Int32(0), MaxSize: aws.Int32(10), DesiredCapacity: aws.Int32(2), VPCZoneIdentifier: aws.String("subnet-0a1b2c3d,subnet-1a2b3c4d"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web"), PropagateAtLaunch: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	g := env.describe("web")
	if lt := g.LaunchTemplate; lt == nil || aws.ToString(lt.LaunchTemplateId) != id || aws.ToString(lt.LaunchTemplateName) != "web" || aws.ToString(lt.Version) != "$Latest" || g.LaunchConfigurationName != nil {
		t.Fatalf("group's template: %+v", g.LaunchTemplate)
	}
	if v := instanceVersions(g); len(v) != 2 || countOf(v, "1") != 2 {
		t.Fatalf("instances: %v", v)
	}
	first := g.Instances[0]
	if aws.ToString(first.LaunchTemplate.LaunchTemplateId) != id || aws.ToString(first.LaunchTemplate.LaunchTemplateName) != "web" || aws.ToString(first.InstanceType) != "t3.micro" {
		t.Fatalf("instance's template: %+v", first)
	}
	asi, err := env.as.DescribeAutoScalingInstances(env.ctx, &autoscaling.DescribeAutoScalingInstancesInput{InstanceIds: []string{aws.ToString(first.InstanceId)}})
	if err != nil || aws.ToString(asi.AutoScalingInstances[0].LaunchTemplate.Version) != "1" {
		t.Fatalf("DescribeAutoScalingInstances: %v %+v", err, asi)
	}

	// EC2's view of the same instances: pending, then running; tags from the template, the group
	// (which wins over the template) and Auto Scaling itself.
	ec2View := env.ec2Instances(&ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:aws:autoscaling:groupName"), Values: []string{"web"}}}})
	if len(ec2View) != 2 {
		t.Fatalf("DescribeInstances by group tag: %d instances", len(ec2View))
	}
	in := ec2View[aws.ToString(first.InstanceId)]
	tags := tagMap(in.Tags)
	if in.State.Name != ec2types.InstanceStateNamePending || aws.ToInt32(in.State.Code) != 0 || aws.ToString(in.ImageId) != "ami-1" || in.InstanceType != ec2types.InstanceTypeT3Micro ||
		aws.ToString(in.Placement.AvailabilityZone) != aws.ToString(first.AvailabilityZone) || !strings.HasPrefix(aws.ToString(in.SubnetId), "subnet-") ||
		!in.LaunchTime.Equal(asStart) || in.Monitoring.State != ec2types.MonitoringStateEnabled {
		t.Fatalf("DescribeInstances: %+v", in)
	}
	if tags["aws:ec2launchtemplate:id"] != id || tags["aws:ec2launchtemplate:version"] != "1" || tags["aws:autoscaling:groupName"] != "web" ||
		tags["role"] != "frontend" || tags["team"] != "web" || len(tags) != 5 {
		t.Fatalf("instance tags: %v", tags)
	}
	env.advance(30 * time.Second)
	byID := env.ec2Instances(&ec2.DescribeInstancesInput{InstanceIds: []string{aws.ToString(first.InstanceId)}})
	if len(byID) != 1 || byID[aws.ToString(first.InstanceId)].State.Name != ec2types.InstanceStateNameRunning {
		t.Fatalf("after the launch delay: %+v", byID)
	}

	// A new version: running instances stay on 1; the next launch resolves $Latest to 2.
	v2 := env.mustVersion(id, "ami-2")
	env.setDesired("web", 3)
	if v := instanceVersions(env.describe("web")); countOf(v, "1") != 2 || countOf(v, "2") != 1 {
		t.Fatalf("after a new version and a scale out: %v", v)
	}
	running := env.ec2Instances(&ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("image-id"), Values: []string{"ami-2"}},
		{Name: aws.String("instance-type"), Values: []string{"t3.small"}}}})
	if len(running) != 1 {
		t.Fatalf("instances from version 2: %d", len(running))
	}

	// Move the group to version 1 explicitly: nothing is replaced, new instances get 1.
	before := instanceVersions(env.describe("web"))
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String("1")}}); err != nil {
		t.Fatal(err)
	}
	if after := instanceVersions(env.describe("web")); !mapsEqual(before, after) {
		t.Fatalf("moving the group to version 1 touched instances: %v → %v", before, after)
	}
	env.setDesired("web", 4)
	if v := instanceVersions(env.describe("web")); countOf(v, "1") != 3 || countOf(v, "2") != 1 {
		t.Fatalf("after moving to 1 and scaling out: %v", v)
	}

	// $Default (also what a group that names no version uses) follows ModifyLaunchTemplate.
	env.mustTemplateGroup("def", id, "", 1)
	if g := env.describe("def"); aws.ToString(g.LaunchTemplate.Version) != "$Default" || countOf(instanceVersions(g), "1") != 1 {
		t.Fatalf("group with no version: %+v %v", g.LaunchTemplate, instanceVersions(g))
	}
	if _, err := env.ec2.ModifyLaunchTemplate(env.ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(id), DefaultVersion: aws.String(fmt.Sprint(v2))}); err != nil {
		t.Fatal(err)
	}
	env.setDesired("def", 2)
	if v := instanceVersions(env.describe("def")); countOf(v, "1") != 1 || countOf(v, "2") != 1 {
		t.Fatalf("$Default after ModifyLaunchTemplate: %v", v)
	}

	// Terminated instances: EC2 shows them for an hour, then forgets them.
	env.setDesired("def", 1)
	terminated := env.ec2Instances(&ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"terminated"}}}})
	if len(terminated) != 1 {
		t.Fatalf("terminated instances: %d", len(terminated))
	}
	for _, in := range terminated {
		if aws.ToInt32(in.State.Code) != 48 || aws.ToString(in.StateReason.Code) != "Client.UserInitiatedShutdown" {
			t.Fatalf("terminated instance: %+v", in)
		}
	}
	env.advance(61 * time.Minute)
	if n := len(env.ec2Instances(&ec2.DescribeInstancesInput{})); n != 5 {
		t.Fatalf("%d instances an hour later, want the 5 live ones", n)
	}

	// In a region with nothing left to simulate, terminated instances go after an hour too.
	for _, g := range []string{"web", "def"} {
		if _, err := env.as.DeleteAutoScalingGroup(env.ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String(g), ForceDelete: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(env.ec2Instances(&ec2.DescribeInstancesInput{})); n != 5 {
		t.Fatalf("%d instances right after the groups were deleted, want 5 terminated", n)
	}
	env.advance(2 * time.Hour)
	if n := len(env.ec2Instances(&ec2.DescribeInstancesInput{})); n != 0 {
		t.Fatalf("%d instances two hours after the groups were deleted", n)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTemplateGroupValidation: what Auto Scaling checks about a group's template when the group
// is created or updated, with AWS's code and sentence.
func TestTemplateGroupValidation(t *testing.T) {
	env := newASEnv(t, Options{})
	id := aws.ToString(env.mustTemplate("web", "ami-1").LaunchTemplateId)
	create := func(spec *types.LaunchTemplateSpecification) error {
		_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("g"), LaunchTemplate: spec,
			MinSize: aws.Int32(0), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-east-1a"}})
		return err
	}
	const invalid = "You must use a valid fully-formed launch template. "
	wantAPIError(t, create(&types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("nope")}), "ValidationError",
		invalid+"The specified launch template, with template name nope, does not exist.")
	wantAPIError(t, create(&types.LaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-0123456789abcdef0")}), "ValidationError",
		invalid+"The specified launch template, with template ID lt-0123456789abcdef0, does not exist.")
	wantAPIError(t, create(&types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String("2")}), "ValidationError", "")
	wantAPIError(t, create(&types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String("latest")}), "ValidationError", "")
	wantAPIError(t, create(&types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), LaunchTemplateName: aws.String("web")}), "ValidationError",
		"Valid requests must contain either launchTemplateId or LaunchTemplateName")
	wantAPIError(t, create(&types.LaunchTemplateSpecification{Version: aws.String("1")}), "ValidationError",
		"Valid requests must contain either launchTemplateId or LaunchTemplateName")

	env.mustTemplateGroup("web", id, "1", 1)
	_, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String("3")}})
	wantAPIError(t, err, "ValidationError", "")
	if g := env.describe("web"); aws.ToString(g.LaunchTemplate.Version) != "1" {
		t.Fatalf("a refused update changed the group: %+v", g.LaunchTemplate)
	}
}

// TestTemplateLaunchFailures: what EC2 refuses fails the launch, not the API call: an image that
// does not exist, a deleted template or version. The group records AWS's failed activity and
// tries again after a pause; deleting a template in use is allowed.
func TestTemplateLaunchFailures(t *testing.T) {
	env := newASEnv(t, Options{ImageExists: func(id string) bool { return id != "ami-gone" }})
	id := aws.ToString(env.mustTemplate("web", "ami-gone").LaunchTemplateId)
	env.mustTemplateGroup("web", id, "$Latest", 1)
	acts := env.activities("web")
	const failed = "The image id '[ami-gone]' does not exist. Launching EC2 instance failed."
	if len(acts) != 1 || acts[0].StatusCode != types.ScalingActivityStatusCodeFailed || aws.ToString(acts[0].StatusMessage) != failed ||
		aws.ToString(acts[0].Description) != "Launching a new EC2 instance.  Status Reason: "+failed || len(env.describe("web").Instances) != 0 {
		t.Fatalf("activities %+v", acts)
	}
	// A good version fixes $Latest; the group launches once its pause is over.
	env.mustVersion(id, "ami-good")
	env.advance(4 * time.Minute)
	if n := len(env.describe("web").Instances); n != 0 {
		t.Fatalf("launched %d during the pause after a failure", n)
	}
	env.advance(time.Minute)
	if v := instanceVersions(env.describe("web")); countOf(v, "2") != 1 {
		t.Fatalf("after the pause: %v", v)
	}

	// A version the group names that is deleted later fails the next launch.
	env.mustVersion(id, "ami-good")
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String("3")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ec2.DeleteLaunchTemplateVersions(env.ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Versions: []string{"3"}}); err != nil {
		t.Fatal(err)
	}
	env.setDesired("web", 2)
	if a := env.activities("web")[0]; a.StatusCode != types.ScalingActivityStatusCodeFailed || !strings.Contains(aws.ToString(a.StatusMessage), "version 3") {
		t.Fatalf("launch from a deleted version: %+v", a)
	}

	// Deleting the template while the group uses it is allowed; the instance keeps running and
	// the next launch fails with AWS's message.
	env.advance(5 * time.Minute)
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String("$Latest")}, DesiredCapacity: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ec2.DeleteLaunchTemplate(env.ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(id)}); err != nil {
		t.Fatalf("deleting a template in use: %v", err)
	}
	env.advance(5 * time.Minute) // past the pause after the last failure
	g := env.describe("web")
	if len(g.Instances) != 1 || g.Instances[0].LifecycleState != types.LifecycleStateInService || aws.ToString(g.LaunchTemplate.LaunchTemplateId) != id {
		t.Fatalf("group after its template was deleted: %+v", g)
	}
	env.setDesired("web", 2)
	a := env.activities("web")[0]
	want := "The specified launch template, with template ID " + id + ", does not exist. Launching EC2 instance failed."
	if a.StatusCode != types.ScalingActivityStatusCodeFailed || aws.ToString(a.StatusMessage) != want {
		t.Fatalf("launch after the template was deleted: %s %q", a.StatusCode, aws.ToString(a.StatusMessage))
	}
}

// TestTemplateInstanceRefresh: a refresh to a new template version replaces every instance onto
// it; SkipMatching then finds nothing to do.
func TestTemplateInstanceRefresh(t *testing.T) {
	env := newASEnv(t, Options{})
	id := aws.ToString(env.mustTemplate("web", "ami-1").LaunchTemplateId)
	env.mustTemplateGroup("web", id, "1", 4)
	env.advance(time.Minute)
	v2 := fmt.Sprint(env.mustVersion(id, "ami-2"))
	_, err := env.as.StartInstanceRefresh(env.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		DesiredConfiguration: &types.DesiredConfiguration{LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String("9")}}})
	wantAPIError(t, err, "ValidationError", "")
	_, err = env.as.StartInstanceRefresh(env.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		Preferences:          &types.RefreshPreferences{MinHealthyPercentage: aws.Int32(50), InstanceWarmup: aws.Int32(0)},
		DesiredConfiguration: &types.DesiredConfiguration{LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("web"), Version: aws.String(v2)}}})
	if err != nil {
		t.Fatal(err)
	}
	for range 30 {
		env.advance(30 * time.Second)
	}
	out, err := env.as.DescribeInstanceRefreshes(env.ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web")})
	if err != nil || out.InstanceRefreshes[0].Status != types.InstanceRefreshStatusSuccessful {
		t.Fatalf("refresh: %v %+v", err, out)
	}
	if dc := out.InstanceRefreshes[0].DesiredConfiguration; dc == nil || aws.ToString(dc.LaunchTemplate.LaunchTemplateId) != id || aws.ToString(dc.LaunchTemplate.Version) != v2 {
		t.Errorf("desired configuration: %+v", dc)
	}
	g := env.describe("web")
	if v := instanceVersions(g); len(v) != 4 || countOf(v, v2) != 4 || aws.ToString(g.LaunchTemplate.Version) != v2 {
		t.Fatalf("after the refresh: %v, group on %s", v, aws.ToString(g.LaunchTemplate.Version))
	}
	// Everything already runs the group's version: SkipMatching replaces nothing.
	start, err := env.as.StartInstanceRefresh(env.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		Preferences: &types.RefreshPreferences{SkipMatching: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ = env.as.DescribeInstanceRefreshes(env.ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web"), InstanceRefreshIds: []string{aws.ToString(start.InstanceRefreshId)}})
	if aws.ToInt32(out.InstanceRefreshes[0].InstancesToUpdate) != 0 {
		t.Fatalf("SkipMatching with every instance current: %+v", out.InstanceRefreshes[0])
	}
}

// TestMigrateToTemplate: AWS's own migration, launch configuration to launch template: updating
// the group terminates nothing; new instances come from the template, and scale-in removes the
// launch configuration's instances first.
func TestMigrateToTemplate(t *testing.T) {
	env := newASEnv(t, Options{LaunchDelay: time.Second})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 0, 10, 3)
	env.advance(time.Minute)
	before := instanceVersions(env.describe("web"))
	id := aws.ToString(env.mustTemplate("web", "ami-1").LaunchTemplateId)
	if _, err := env.as.UpdateAutoScalingGroup(env.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String("1")}}); err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	g := env.describe("web")
	if after := instanceVersions(g); !mapsEqual(before, after) || g.LaunchConfigurationName != nil {
		t.Fatalf("migrating touched instances: %v → %v", before, after)
	}
	env.setDesired("web", 4)
	env.advance(time.Minute)
	env.setDesired("web", 3)
	env.advance(time.Minute)
	if v := instanceVersions(env.describe("web")); countOf(v, "lc") != 2 || countOf(v, "1") != 1 {
		t.Fatalf("scale in after migrating should remove a launch configuration instance first: %v", v)
	}
}

// TestDenyLaunchConfigurations: an account created since 2024-10-01 cannot create launch
// configurations, in AWS's words; those it has still work.
func TestDenyLaunchConfigurations(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("old")
	env.mustLC("unused")
	env.mustGroup("web", "old", 0, 5, 1)
	env.emu.SetDenyLaunchConfigurations(true)
	_, err := env.as.CreateLaunchConfiguration(env.ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("new"),
		ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")})
	wantAPIError(t, err, "UnsupportedOperation",
		"The Launch Configuration creation operation is not available in your account. Use launch templates to create configuration templates for your Auto Scaling groups.")
	var re interface{ HTTPStatusCode() int }
	if !asError(err, &re) || re.HTTPStatusCode() != 400 {
		t.Errorf("status: %v", err)
	}
	lcs, err := env.as.DescribeLaunchConfigurations(env.ctx, &autoscaling.DescribeLaunchConfigurationsInput{})
	if err != nil || len(lcs.LaunchConfigurations) != 2 {
		t.Fatalf("existing launch configurations: %v %+v", err, lcs)
	}
	env.setDesired("web", 2)
	if v := instanceVersions(env.describe("web")); countOf(v, "lc") != 2 {
		t.Fatalf("launching from an existing launch configuration: %v", v)
	}
	if _, err := env.as.DeleteLaunchConfiguration(env.ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String("unused")}); err != nil {
		t.Fatal(err)
	}

	// The admin API shows and flips the switch; New takes it from Options.
	base := env.srv.URL + "/_emulator/account"
	if code, body := adminDo(t, "GET", base, ""); code != 200 || !strings.Contains(body, `"denyLaunchConfigurations": true`) {
		t.Fatalf("GET account: %d %s", code, body)
	}
	if code, body := adminDo(t, "POST", base, `{"denyLaunchConfigurations":false}`); code != 200 || !strings.Contains(body, `"denyLaunchConfigurations": false`) {
		t.Fatalf("POST account: %d %s", code, body)
	}
	if code, _ := adminDo(t, "POST", base, `{}`); code != 400 {
		t.Fatalf("POST account without the setting: %d", code)
	}
	env.mustLC("allowed-again")
	denied := newASEnv(t, Options{DenyLaunchConfigurations: true})
	_, err = denied.as.CreateLaunchConfiguration(denied.ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc"),
		ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")})
	wantAPIError(t, err, "UnsupportedOperation", "")
}

// TestEC2StateAndSnapshot: templates, their versions and tags and the instances' EC2 side survive
// a restart from the state file, and the snapshot shows them.
func TestEC2StateAndSnapshot(t *testing.T) {
	file := t.TempDir() + "/state.json"
	env := newASEnv(t, Options{StateFile: file})
	lt := env.mustTemplate("web", "ami-1")
	id := aws.ToString(lt.LaunchTemplateId)
	env.mustVersion(id, "ami-2")
	if _, err := env.ec2.CreateTags(env.ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("owner"), Value: aws.String("me")}}}); err != nil {
		t.Fatal(err)
	}
	env.mustTemplateGroup("web", id, "$Latest", 2)
	snap := env.emu.Snapshot().Regions["us-east-1"]
	st := snap.LaunchTemplates["web"]
	if st.ID != id || st.DefaultVersion != 1 || st.LatestVersion != 2 || st.Tags["owner"] != "me" || len(st.Versions) != 2 ||
		st.Versions[1].ImageID != "ami-2" || st.Versions[1].InstanceType != "t3.small" || !strings.Contains(string(st.Versions[0].Data), `"imageId":"ami-1"`) {
		t.Fatalf("snapshot: %+v", st)
	}
	gs := snap.Groups["web"]
	if gs.LaunchTemplate == nil || gs.LaunchTemplate.Version != "$Latest" || len(gs.Instances) != 2 || gs.Instances[0].LaunchTemplate == nil ||
		gs.Instances[0].LaunchTemplate.Version != "2" || gs.Instances[0].ImageID != "ami-2" {
		t.Fatalf("group snapshot: %+v", gs)
	}
	if err := env.emu.SaveState(); err != nil {
		t.Fatal(err)
	}

	restarted := newASEnv(t, Options{StateFile: file})
	out, err := restarted.ec2.DescribeLaunchTemplateVersions(restarted.ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("web")})
	if err != nil || len(out.LaunchTemplateVersions) != 2 {
		t.Fatalf("versions after a restart: %v %+v", err, out)
	}
	if _, err := restarted.ec2.CreateLaunchTemplate(restarted.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}}); apiCode(err) != "InvalidLaunchTemplateName.AlreadyExistsException" {
		t.Fatalf("the name index was not rebuilt: %v", err)
	}
	if n := len(restarted.ec2Instances(&ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:aws:ec2launchtemplate:version"), Values: []string{"2"}}}})); n != 2 {
		t.Fatalf("instances after a restart: %d", n)
	}

	// A state file from before EC2 was emulated: its instances appear in DescribeInstances.
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(data), `"ec2":{`, `"unknown":{`, 1)
	oldFile := t.TempDir() + "/old.json"
	if err := writeFile(oldFile, old); err != nil {
		t.Fatal(err)
	}
	legacy := newASEnv(t, Options{StateFile: oldFile})
	ids := legacy.ec2Instances(&ec2.DescribeInstancesInput{})
	if len(ids) != 2 {
		t.Fatalf("instances from a state file without EC2: %d", len(ids))
	}
	for _, in := range ids {
		if tagMap(in.Tags)["aws:autoscaling:groupName"] != "web" || aws.ToString(in.ImageId) != "ami-2" {
			t.Fatalf("backfilled instance: %+v", in)
		}
	}
}

// FuzzEC2Query feeds arbitrary forms to every EC2 action against an emulator with a template,
// a group and instances: whatever a client sends, the answer is a well-formed response or a 4xx
// EC2 error document, never a 500 or a panic.
func FuzzEC2Query(f *testing.F) {
	f.Add(uint8(0), "LaunchTemplateName=web2&LaunchTemplateData.ImageId=ami-1&LaunchTemplateData.BlockDeviceMapping.1.Ebs.VolumeSize=x&TagSpecification.1.ResourceType=launch-template&TagSpecification.1.Tag.1.Key=k")
	f.Add(uint8(1), "LaunchTemplateName=web&SourceVersion=$Latest&LaunchTemplateData.NetworkInterface.1.SecurityGroupId.1=sg-1&LaunchTemplateData.UserData=%ff")
	f.Add(uint8(2), "Filter.1.Name=tag:k&Filter.1.Value.1=*&MaxResults=0&NextToken=%00")
	f.Add(uint8(3), "LaunchTemplateName=web&LaunchTemplateVersion.1=$Default&LaunchTemplateVersion.2=99999999999999999999&MinVersion=-1")
	f.Add(uint8(4), "LaunchTemplateName=web&SetDefaultVersion=0")
	f.Add(uint8(5), "LaunchTemplateName=web&LaunchTemplateVersion.1=1&LaunchTemplateVersion.100001=2")
	f.Add(uint8(7), "InstanceId.1=i-0&Filter.1.Name=instance-state-name&Filter.1.Value.1=running&DryRun=true")
	f.Add(uint8(8), "ResourceId.1=lt-&Tag.1.Key=aws:x&Tag.1.Value=1")
	f.Add(uint8(10), "Filter.1.Name=resource-type&Filter.1.Value.1=?*\\&MaxResults=1001")
	actions := slices.Sorted(func(yield func(string) bool) {
		for a := range ec2Actions {
			if !yield(a) {
				return
			}
		}
	})
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		emu := New(Options{Clock: NewManualClock(asStart), Limits: Limits{MaxInstances: 20}})
		for _, setup := range []string{
			"Action=CreateLaunchTemplate&Version=2016-11-15&LaunchTemplateName=web&LaunchTemplateData.ImageId=ami-1",
			"Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=g&MinSize=2&MaxSize=2&AvailabilityZones.member.1=us-east-1a&LaunchTemplate.LaunchTemplateName=web",
		} {
			form, _ := url.ParseQuery(setup)
			if status, resp := postQuery(t, emu, "us-east-1", form); status != 200 {
				t.Fatalf("setup %s: %d %s", setup, status, resp)
			}
		}
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		action := actions[int(op)%len(actions)]
		form.Set("Action", action)
		form.Set("Version", ec2Version)
		status, resp := postQuery(t, emu, "us-east-1", form)
		switch {
		case status >= 500:
			t.Fatalf("%s %s: status %d\n%s", action, body, status, resp)
		case status >= 400:
			var doc wire.EC2ErrorResponse
			if err := xml.Unmarshal([]byte(resp), &doc); err != nil || doc.Code == "" {
				t.Fatalf("%s %s: status %d with no EC2 error document: %s", action, body, status, resp)
			}
		case !strings.Contains(resp, "<"+action+"Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>"):
			t.Fatalf("%s %s: 200 without the EC2 response element: %s", action, body, resp)
		}
	})
}
