package emulator

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// TestOnCallRunsBeforeTheResponseLeaves: the hook sees a successful create after the group exists
// and while the client still waits for the answer, which is the window a crash test needs.
func TestOnCallRunsBeforeTheResponseLeaves(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")

	inHook := make(chan Call, 1)
	release := make(chan struct{})
	var existed bool
	env.emu.OnCall(func(c Call) {
		if c.Action != "CreateAutoScalingGroup" {
			return
		}
		_, existed = env.emu.Snapshot().Regions["us-east-1"].Groups["g"]
		inHook <- c
		<-release
	})

	done := make(chan error, 1)
	go func() {
		_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{
			AutoScalingGroupName: aws.String("g"), LaunchConfigurationName: aws.String("lc"),
			MinSize: aws.Int32(1), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-east-1a"},
		})
		done <- err
	}()
	var c Call
	select {
	case c = <-inHook:
	case <-time.After(10 * time.Second):
		t.Fatal("the hook did not run")
	}
	if c != (Call{Region: "us-east-1", Service: "autoscaling", Action: "CreateAutoScalingGroup"}) {
		t.Errorf("hook saw %+v", c)
	}
	if !existed {
		t.Error("the group did not exist yet when the hook ran")
	}
	select {
	case err := <-done:
		t.Fatalf("the client got its answer (%v) while the hook was still running", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestOnCallSeesErrorsAndFaults: failed calls and injected faults reach the hook with their
// code; removing the hook stops the calls.
func TestOnCallSeesErrorsAndFaults(t *testing.T) {
	env := newASEnv(t, Options{})
	var mu sync.Mutex
	var seen []Call
	env.emu.OnCall(func(c Call) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, c)
	})
	_, err := env.as.DeleteLaunchConfiguration(env.ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String("nope")})
	if err == nil {
		t.Fatal("deleting a missing launch configuration succeeded")
	}
	env.emu.Faults().Set("DescribeAutoScalingGroups", FaultRule{FailNext: 1})
	_, _ = env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	env.emu.OnCall(nil)
	_, _ = env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{})

	mu.Lock()
	defer mu.Unlock()
	want := []Call{
		{Region: "us-east-1", Service: "autoscaling", Action: "DeleteLaunchConfiguration", Code: apiCode(err)},
		{Region: "us-east-1", Service: "autoscaling", Action: "DescribeAutoScalingGroups", Code: "Throttling"},
	}
	if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("hook saw %+v, want %+v", seen, want)
	}
}

// TestUnknownImage: with ImageExists set, a launch configuration from an image that does not
// exist fails as in AWS, and nothing is created.
func TestUnknownImage(t *testing.T) {
	env := newASEnv(t, Options{ImageExists: func(id string) bool { return id == "ami-12345678" }})
	env.mustLC("known")
	_, err := env.as.CreateLaunchConfiguration(env.ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("unknown"), ImageId: aws.String("ami-0badbadbadbadbad0"), InstanceType: aws.String("t3.micro"),
	})
	wantAPIError(t, err, "ValidationError", "AMI ami-0badbadbadbadbad0 is invalid: The image id '[ami-0badbadbadbadbad0]' does not exist")
	if _, ok := env.emu.Snapshot().Regions["us-east-1"].LaunchConfigurations["unknown"]; ok {
		t.Error("the launch configuration was created anyway")
	}
}
