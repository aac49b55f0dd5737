package emulator

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
)

// asStart is the emulated time every Auto Scaling test starts at.
var asStart = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// asEnv is an emulator on a manual clock behind an httptest server, with an unmodified SDK client.
type asEnv struct {
	t     *testing.T
	emu   *Emulator
	clock *ManualClock
	srv   *httptest.Server
	as    *autoscaling.Client
	ec2   *ec2.Client
	ctx   context.Context
}

func newASEnv(t *testing.T, opts Options) *asEnv {
	t.Helper()
	clock := NewManualClock(asStart)
	opts.Clock = clock
	if opts.LaunchDelay == 0 {
		opts.LaunchDelay = 30 * time.Second
	}
	emu := New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &asEnv{t: t, emu: emu, clock: clock, srv: srv, as: asClient(srv.URL, "us-east-1"), ec2: ec2Client(srv.URL, "us-east-1"), ctx: context.Background()}
}

// asClient is the real SDK client pointed at the emulator. Retries are off so every error the
// emulator returns reaches the test.
func asClient(url, region string) *autoscaling.Client {
	return autoscaling.New(autoscaling.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// ec2Client is the real EC2 SDK client pointed at the emulator, retries off like asClient's.
func ec2Client(url, region string) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// advance moves the clock and lets the simulation catch up.
func (env *asEnv) advance(d time.Duration) {
	env.clock.Advance(d)
	env.emu.Step()
}

// mustLC creates a launch configuration.
func (env *asEnv) mustLC(name string) {
	env.t.Helper()
	_, err := env.as.CreateLaunchConfiguration(env.ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String(name), ImageId: aws.String("ami-12345678"), InstanceType: aws.String("t3.micro"),
	})
	if err != nil {
		env.t.Fatalf("CreateLaunchConfiguration %s: %v", name, err)
	}
}

// mustGroup creates a group over three zones from launch configuration lc.
func (env *asEnv) mustGroup(name, lc string, min, max, desired int32) {
	env.t.Helper()
	_, err := env.as.CreateAutoScalingGroup(env.ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name), LaunchConfigurationName: aws.String(lc),
		MinSize: aws.Int32(min), MaxSize: aws.Int32(max), DesiredCapacity: aws.Int32(desired),
		AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
	})
	if err != nil {
		env.t.Fatalf("CreateAutoScalingGroup %s: %v", name, err)
	}
}

// group describes one group through the SDK.
func (env *asEnv) group(name string) asGroupView {
	env.t.Helper()
	out, err := env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		env.t.Fatalf("DescribeAutoScalingGroups %s: %v", name, err)
	}
	if len(out.AutoScalingGroups) != 1 {
		env.t.Fatalf("DescribeAutoScalingGroups %s: got %d groups, want 1", name, len(out.AutoScalingGroups))
	}
	g := out.AutoScalingGroups[0]
	v := asGroupView{desired: aws.ToInt32(g.DesiredCapacity), states: map[string]int{}}
	for _, in := range g.Instances {
		v.states[string(in.LifecycleState)]++
	}
	return v
}

type asGroupView struct {
	desired int32
	states  map[string]int
}

// apiCode is the AWS error code of err ("" if err is nil or not an API error).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wantAPIError fails unless err is the AWS error code with exactly the message.
func wantAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want AWS error %s: %s", err, code, message)
	}
	if ae.ErrorCode() != code || (message != "" && ae.ErrorMessage() != message) {
		t.Fatalf("got %s: %q, want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

// asError is errors.As for interface targets.
func asError[T any](err error, target *T) bool { return errors.As(err, target) }

// describe returns the SDK's view of one group.
func (env *asEnv) describe(name string) types.AutoScalingGroup {
	env.t.Helper()
	out, err := env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		env.t.Fatalf("DescribeAutoScalingGroups %s: %v", name, err)
	}
	if len(out.AutoScalingGroups) != 1 {
		env.t.Fatalf("DescribeAutoScalingGroups %s: got %d groups, want 1", name, len(out.AutoScalingGroups))
	}
	return out.AutoScalingGroups[0]
}

// activities returns a group's activities, newest first, through the SDK paginator.
func (env *asEnv) activities(group string) []types.Activity {
	env.t.Helper()
	var all []types.Activity
	p := autoscaling.NewDescribeScalingActivitiesPaginator(env.as, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String(group)})
	for p.HasMorePages() {
		out, err := p.NextPage(env.ctx)
		if err != nil {
			env.t.Fatalf("DescribeScalingActivities %s: %v", group, err)
		}
		all = append(all, out.Activities...)
	}
	return all
}

// zoneCounts counts a group's live (not terminating) instances per zone.
func zoneCounts(g types.AutoScalingGroup) map[string]int {
	counts := map[string]int{}
	for _, in := range g.Instances {
		if !strings.HasPrefix(string(in.LifecycleState), "Terminating") {
			counts[aws.ToString(in.AvailabilityZone)]++
		}
	}
	return counts
}

// httptestServer serves h for the test's lifetime and returns its URL.
func httptestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
