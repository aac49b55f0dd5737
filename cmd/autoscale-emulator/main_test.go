package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// startEmulator runs the command in-process on a free port and returns its URL and a stop
// function that shuts it down and returns run's error.
func startEmulator(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no listening line: %v (run: %v)", err, <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "autoscale-emulator listening on ")
	if !ok || strings.HasSuffix(url, ":0") {
		t.Fatalf("unexpected first line %q", line)
	}
	return url, func() error { cancel(); return <-done }
}

// mustStop shuts the emulator down and fails the test if the shutdown does.
func mustStop(t *testing.T, stop func() error) {
	t.Helper()
	if err := stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func client(url string) *autoscaling.Client {
	return autoscaling.New(autoscaling.Options{Region: "us-west-2", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), Retryer: aws.NopRetryer{}})
}

func TestServesAndKeepsState(t *testing.T) {
	state := t.TempDir() + "/state.json"
	url, stop := startEmulator(t, "--state-file", state, "--launch-delay", "0s", "--account-id", "210987654321")
	ctx := context.Background()
	as := client(url)
	if _, err := as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc"), ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")}); err != nil {
		t.Fatal(err)
	}
	if _, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("lc"),
		MinSize: aws.Int32(2), MaxSize: aws.Int32(2), AvailabilityZones: []string{"us-west-2a"}}); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("state file not written at shutdown: %v", err)
	}

	url, stop = startEmulator(t, "--state-file", state)
	defer mustStop(t, stop)
	out, err := client(url).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	if err != nil || len(out.AutoScalingGroups) != 1 {
		t.Fatalf("after restart: %v %+v", err, out)
	}
	g := out.AutoScalingGroups[0]
	if !strings.HasPrefix(aws.ToString(g.AutoScalingGroupARN), "arn:aws:autoscaling:us-west-2:210987654321:autoScalingGroup:") || len(g.Instances) != 2 || g.Instances[0].LifecycleState != "InService" {
		t.Fatalf("restored group: %+v", g)
	}
}

func TestTimeScale(t *testing.T) {
	url, stop := startEmulator(t, "--time-scale", "600", "--launch-delay", "30s")
	defer mustStop(t, stop)
	ctx := context.Background()
	as := client(url)
	if _, err := as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc"), ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")}); err != nil {
		t.Fatal(err)
	}
	if _, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("lc"),
		MinSize: aws.Int32(1), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-west-2a"}}); err != nil {
		t.Fatal(err)
	}
	// 30 emulated seconds are 50 ms of real time at ×600.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if out.AutoScalingGroups[0].Instances[0].LifecycleState == "InService" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("instance never came InService on the scaled clock")
		}
		time.Sleep(20 * time.Millisecond) // waiting for real time to pass is the point here
	}
}

// --deny-launch-configurations makes the server an account that may not create launch
// configurations; launch templates still work.
func TestDenyLaunchConfigurations(t *testing.T) {
	url, stop := startEmulator(t, "--deny-launch-configurations")
	defer mustStop(t, stop)
	ctx := context.Background()
	_, err := client(url).CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc"),
		ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnsupportedOperation" {
		t.Fatalf("CreateLaunchConfiguration: %v, want UnsupportedOperation", err)
	}
	ec := ec2.New(ec2.Options{Region: "us-west-2", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), Retryer: aws.NopRetryer{}})
	if _, err := ec.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-1")}}); err != nil {
		t.Fatalf("CreateLaunchTemplate: %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--time-scale", "0"}, {"extra"}, {"--addr", "256.0.0.1:1"}, {"--launch-delay", "soon"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}
