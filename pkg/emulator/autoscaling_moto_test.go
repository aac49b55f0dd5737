package emulator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// startMoto runs moto_server on a free loopback port for the test and returns its URL; its log
// goes to the test's output if the test fails.
func startMoto(t *testing.T) string {
	t.Helper()
	bin := asRequireTool(t, "moto_server", "--help")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = asClientEnv()
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("moto_server log:\n%s", log.String())
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not come up on %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond) // waiting for another process to listen
	}
}

// shapeOf lists the paths of every field an SDK output has set: which elements the response
// carried, whatever their values.
func shapeOf(v any) map[string]bool {
	out := map[string]bool{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				out[path] = true
				return
			}
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() && f.Name != "ResultMetadata" {
					walk(v.Field(i), path+"."+f.Name)
				}
			}
		case reflect.Slice:
			if !v.IsNil() {
				out[path+"[]"] = true
				for i := range v.Len() {
					walk(v.Index(i), path+"[]")
				}
			}
		case reflect.String:
			if v.Len() > 0 {
				out[path] = true
			}
		default:
			out[path] = true
		}
	}
	walk(reflect.ValueOf(v), "")
	return out
}

// compareShapes fails for fields moto returns and the emulator does not, except the ones listed
// in mayLack with the reason (a key ending in * covers every path it begins); fields only the
// emulator returns are logged (AWS returns them and moto does not).
func compareShapes(t *testing.T, what string, emu, moto any, mayLack map[string]string) {
	t.Helper()
	if moto == nil {
		return // moto failed the call; both logged it
	}
	e, m := shapeOf(emu), shapeOf(moto)
	var missing, extra []string
	for p := range m {
		if !e[p] {
			if !excused(mayLack, p) {
				missing = append(missing, p)
			}
		}
	}
	for p := range e {
		if !m[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("%s: moto returns fields the emulator does not: %v", what, missing)
	}
	if len(extra) > 0 {
		t.Logf("%s: only the emulator returns (AWS does; moto leaves them out): %v", what, extra)
	}
}

// excused reports whether mayLack lists path itself or a prefix of it (as "prefix*").
func excused(mayLack map[string]string, path string) bool {
	if _, ok := mayLack[path]; ok {
		return true
	}
	for k := range mayLack {
		if prefix, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}

// TestDifferentialMoto runs one Auto Scaling call sequence against moto_server and the emulator
// through the same Go SDK and compares what comes back. Response shapes must cover moto's; where
// moto is wrong about AWS (instant InService, no activities, no validation), the test says so and
// checks that the emulator does what AWS does.
func TestDifferentialMoto(t *testing.T) {
	motoURL := startMoto(t)
	env := newASEnv(t, Options{})
	ctx := context.Background()
	moto := asClient(motoURL, "us-east-1")
	// both makes the call on each; moto's own failures are logged and leave its result nil.
	both := func(name string, call func(*autoscaling.Client) (any, error)) (any, any) {
		t.Helper()
		e, err := call(env.as)
		if err != nil {
			t.Fatalf("emulator %s: %v", name, err)
		}
		m, err := call(moto)
		if err != nil {
			t.Logf("moto fails %s, which AWS and the emulator answer: %v", name, err)
			return e, nil
		}
		return e, m
	}

	both("CreateLaunchConfiguration", func(c *autoscaling.Client) (any, error) {
		return c.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
			LaunchConfigurationName: aws.String("lc"), ImageId: aws.String("ami-12c6146b"), InstanceType: aws.String("t2.micro"),
			KeyName: aws.String("k"), UserData: aws.String("aGk="), EbsOptimized: aws.Bool(false),
			BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.Ebs{VolumeSize: aws.Int32(8), VolumeType: aws.String("gp3")}}},
		})
	})
	e, m := both("DescribeLaunchConfigurations", func(c *autoscaling.Client) (any, error) {
		return c.DescribeLaunchConfigurations(ctx, &autoscaling.DescribeLaunchConfigurationsInput{})
	})
	compareShapes(t, "DescribeLaunchConfigurations", e, m, map[string]string{
		".LaunchConfigurations[].AssociatePublicIpAddress":       "moto writes false when it was never set; AWS leaves it out",
		".LaunchConfigurations[].BlockDeviceMappings[].NoDevice": "moto writes false for every mapping; AWS only when it was sent",
	})

	both("CreateAutoScalingGroup", func(c *autoscaling.Client) (any, error) {
		return c.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
			AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("lc"), MinSize: aws.Int32(1), MaxSize: aws.Int32(4),
			DesiredCapacity: aws.Int32(2), AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web"), PropagateAtLaunch: aws.Bool(true)}},
		})
	})
	e, m = both("DescribeAutoScalingGroups", func(c *autoscaling.Client) (any, error) {
		return c.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	})
	compareShapes(t, "DescribeAutoScalingGroups", e, m, nil)
	// moto: instances are InService the moment the group exists. AWS (and the emulator): Pending
	// until they boot and pass the EC2 health check.
	if s := m.(*autoscaling.DescribeAutoScalingGroupsOutput).AutoScalingGroups[0].Instances[0].LifecycleState; s != types.LifecycleStateInService {
		t.Logf("moto now reports %s for a new instance (it used to say InService at once)", s)
	}
	if s := e.(*autoscaling.DescribeAutoScalingGroupsOutput).AutoScalingGroups[0].Instances[0].LifecycleState; s != types.LifecycleStatePending {
		t.Errorf("emulator: a new instance is %s, want Pending", s)
	}

	e, m = both("DescribeAutoScalingInstances", func(c *autoscaling.Client) (any, error) {
		return c.DescribeAutoScalingInstances(ctx, &autoscaling.DescribeAutoScalingInstancesInput{})
	})
	compareShapes(t, "DescribeAutoScalingInstances", e, m, nil)

	e, m = both("DescribeScalingActivities", func(c *autoscaling.Client) (any, error) {
		return c.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web")})
	})
	compareShapes(t, "DescribeScalingActivities", e, m, nil)
	// moto records no launch activities (or stub ones); AWS records one per instance, with its cause.
	if n := len(e.(*autoscaling.DescribeScalingActivitiesOutput).Activities); n != 2 {
		t.Errorf("emulator: %d launch activities, want 2", n)
	}
	t.Logf("moto: %d activities after launching 2 instances", len(m.(*autoscaling.DescribeScalingActivitiesOutput).Activities))

	e, m = both("PutScalingPolicy", func(c *autoscaling.Client) (any, error) {
		return c.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("up"),
			AdjustmentType: aws.String("ChangeInCapacity"), ScalingAdjustment: aws.Int32(1), Cooldown: aws.Int32(60)})
	})
	compareShapes(t, "PutScalingPolicy", e, m, nil)
	both("PutScalingPolicy step", func(c *autoscaling.Client) (any, error) {
		return c.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("steps"),
			PolicyType: aws.String("StepScaling"), AdjustmentType: aws.String("ChangeInCapacity"), MetricAggregationType: aws.String("Average"),
			StepAdjustments: []types.StepAdjustment{{MetricIntervalLowerBound: aws.Float64(0), ScalingAdjustment: aws.Int32(1)}}})
	})
	e, m = both("DescribePolicies", func(c *autoscaling.Client) (any, error) {
		return c.DescribePolicies(ctx, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("web")})
	})
	compareShapes(t, "DescribePolicies", e, m, nil)

	both("CreateOrUpdateTags", func(c *autoscaling.Client) (any, error) {
		return c.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: []types.Tag{{ResourceId: aws.String("web"),
			ResourceType: aws.String("auto-scaling-group"), Key: aws.String("env"), Value: aws.String("prod"), PropagateAtLaunch: aws.Bool(false)}}})
	})
	e, m = both("DescribeTags", func(c *autoscaling.Client) (any, error) {
		return c.DescribeTags(ctx, &autoscaling.DescribeTagsInput{})
	})
	compareShapes(t, "DescribeTags", e, m, nil)
	if len(e.(*autoscaling.DescribeTagsOutput).Tags) != len(m.(*autoscaling.DescribeTagsOutput).Tags) {
		t.Errorf("tag count differs: emulator %d, moto %d", len(e.(*autoscaling.DescribeTagsOutput).Tags), len(m.(*autoscaling.DescribeTagsOutput).Tags))
	}

	e, m = both("DescribeAccountLimits", func(c *autoscaling.Client) (any, error) {
		return c.DescribeAccountLimits(ctx, &autoscaling.DescribeAccountLimitsInput{})
	})
	compareShapes(t, "DescribeAccountLimits", e, m, nil)

	both("SuspendProcesses", func(c *autoscaling.Client) (any, error) {
		return c.SuspendProcesses(ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: aws.String("web"), ScalingProcesses: []string{"Launch"}})
	})
	e, m = both("DescribeAutoScalingGroups suspended", func(c *autoscaling.Client) (any, error) {
		return c.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}})
	})
	compareShapes(t, "DescribeAutoScalingGroups with suspended processes", e, m, nil)

	// Errors: the emulator validates as AWS does; where moto does not, say so.
	errs := []struct {
		name string
		call func(*autoscaling.Client) error
		code string
	}{
		{"desired above max", func(c *autoscaling.Client) error {
			_, err := c.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(9)})
			return err
		}, "ValidationError"},
		{"duplicate group", func(c *autoscaling.Client) error {
			_, err := c.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("lc"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), AvailabilityZones: []string{"us-east-1a"}})
			return err
		}, "AlreadyExists"},
		{"delete launch configuration in use", func(c *autoscaling.Client) error {
			_, err := c.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc")})
			return err
		}, "ResourceInUse"},
		{"unknown launch configuration", func(c *autoscaling.Client) error {
			_, err := c.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("other"), LaunchConfigurationName: aws.String("nope"),
				MinSize: aws.Int32(1), MaxSize: aws.Int32(4), AvailabilityZones: []string{"us-east-1a"}})
			return err
		}, "ValidationError"},
		{"delete group with instances", func(c *autoscaling.Client) error {
			_, err := c.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("web")})
			return err
		}, "ResourceInUse"},
	}
	for _, c := range errs {
		// AWS answers ScalingActivityInProgress instead of ResourceInUse while instances launch.
		if got := apiCode(c.call(env.as)); got != c.code && (c.code != "ResourceInUse" || got != "ScalingActivityInProgress") {
			t.Errorf("emulator, %s: error %q, want %s", c.name, got, c.code)
		}
		if got := apiCode(c.call(moto)); got != c.code {
			t.Logf("moto is wrong about %s: error %q where AWS returns %s", c.name, got, c.code)
		}
	}

	// moto crashes (HTTP 500) creating a group whose launch configuration names a security group
	// its EC2 does not know; the emulator, which has no EC2, launches.
	both("CreateLaunchConfiguration with a security group", func(c *autoscaling.Client) (any, error) {
		return c.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc-sg"),
			ImageId: aws.String("ami-12c6146b"), InstanceType: aws.String("t2.micro"), SecurityGroups: []string{"sg-0123456789abcdef0"}})
	})
	sgGroup := func(c *autoscaling.Client) error {
		_, err := c.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("sg"), LaunchConfigurationName: aws.String("lc-sg"),
			MinSize: aws.Int32(1), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-east-1a"}})
		return err
	}
	if err := sgGroup(env.as); err != nil {
		t.Errorf("emulator: group from a launch configuration with a security group: %v", err)
	}
	if err := sgGroup(moto); err != nil {
		t.Logf("moto fails where AWS succeeds: %v", err)
	}

	// Malformed input straight on the wire: the emulator answers 400, never 500.
	for name, url := range map[string]string{"emulator": env.srv.URL, "moto": motoURL} {
		form := "Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=bad&MinSize=abc&MaxSize=2&LaunchConfigurationName=lc&AvailabilityZones.member.1=us-east-1a"
		req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/autoscaling/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch {
		case name == "emulator" && resp.StatusCode != 400:
			t.Errorf("emulator: MinSize=abc answered %d, want 400", resp.StatusCode)
		case name == "moto" && resp.StatusCode >= 500:
			t.Logf("moto answers MinSize=abc with HTTP %d (AWS: 400 ValidationError)", resp.StatusCode)
		}
	}
}
