package cloud

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
)

// Integration tests: the real SDK, through our Provider (retryer, rate limiter, metrics), against
// the project's emulator on a manual clock.

var emuStart = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type emuEnv struct {
	t        *testing.T
	ctx      context.Context
	emu      *emulator.Emulator
	emuClock *emulator.ManualClock
	srv      *httptest.Server
	reg      *prometheus.Registry
	prov     *Provider
	svc      regionServices
	clock    *fakeClock // the cache's clock
}

func newEmuEnv(t *testing.T, eopts emulator.Options, popts ProviderOptions) *emuEnv {
	t.Helper()
	env := &emuEnv{t: t, ctx: context.Background(), emuClock: emulator.NewManualClock(emuStart), clock: newFakeClock()}
	eopts.Clock = env.emuClock
	env.emu = emulator.New(eopts)
	env.srv = httptest.NewServer(env.emu)
	t.Cleanup(env.srv.Close)
	env.reg = prometheus.NewRegistry()
	env.prov = env.newProvider(popts)
	env.svc = servicesOf(env.prov, "")
	return env
}

// regionServices are both services of a region, as their implementations, so a test calls
// either (and their internals) through one value.
type regionServices struct {
	*autoScaling
	*cloudWatch
}

func servicesOf(p *Provider, region string) regionServices {
	s := p.Services(Location{Region: region})
	return regionServices{s.AutoScaling.(*autoScaling), s.CloudWatch.(*cloudWatch)}
}

// describeAlarm reads one alarm through DescribeAlarms.
func (s regionServices) describeAlarm(ctx context.Context, name string, maxAge time.Duration) (*Alarm, error) {
	alarms, err := s.DescribeAlarms(ctx, []string{name}, maxAge)
	if err != nil {
		return nil, err
	}
	return alarms[0], nil
}

// describePolicy reads one policy through DescribePolicies.
func (s regionServices) describePolicy(ctx context.Context, group, name string) (*Policy, error) {
	policies, err := s.DescribePolicies(ctx, group, []string{name})
	if err != nil {
		return nil, err
	}
	return policies[0], nil
}

// putPolicy writes the policy whatever AWS holds.
func (s regionServices) putPolicy(ctx context.Context, in *PolicyInput) (string, error) {
	arn, _, err := s.PutPolicy(ctx, in, nil)
	return arn, err
}

// newProvider is another operator process against the same emulator (same registry).
func (env *emuEnv) newProvider(popts ProviderOptions) *Provider {
	env.t.Helper()
	if popts.Region == "" {
		popts.Region = "us-east-1"
	}
	if popts.Endpoint == "" {
		popts.Endpoint = env.srv.URL
	}
	if popts.Credentials == nil {
		popts.Credentials = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	}
	if popts.RateLimit == 0 {
		popts.RateLimit = -1
	}
	if popts.Registerer == nil {
		popts.Registerer = env.reg
	}
	if popts.Clock == nil {
		popts.Clock = env.clock.Now
	}
	p, err := NewProvider(env.ctx, popts)
	if err != nil {
		env.t.Fatalf("NewProvider: %v", err)
	}
	return p
}

// advance moves the emulator's clock and lets its simulation run.
func (env *emuEnv) advance(d time.Duration) {
	env.emuClock.Advance(d)
	env.emu.Step()
}

// writes counts the emulator's calls that are not reads (and not error tallies).
func writes(calls map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for action, n := range calls {
		if strings.Contains(action, ":") || strings.HasPrefix(action, "Describe") || strings.HasPrefix(action, "List") {
			continue
		}
		out[action] = n
	}
	return out
}

func (env *emuEnv) mustLC(name string) {
	env.t.Helper()
	if err := env.svc.CreateLaunchConfiguration(env.ctx, name, &ec2v1alpha1.LaunchConfigurationSpec{ImageID: "ami-12345678", InstanceType: "t3.micro"}, ""); err != nil {
		env.t.Fatalf("CreateLaunchConfiguration %s: %v", name, err)
	}
}

func groupInput(name, lc string, min, max int32) *GroupInput {
	return &GroupInput{
		Name: name, LaunchConfigurationName: lc, OwnerTag: "test/default/" + name,
		Spec: &ec2v1alpha1.AutoScalingGroupSpec{
			MinSize: min, MaxSize: max,
			AvailabilityZones: []string{"us-east-1b", "us-east-1a"},
		},
	}
}

func (env *emuEnv) callsOf(action, code string) float64 {
	svc := serviceAutoScaling
	if strings.Contains(action, "Alarm") || action == "ListTagsForResource" || action == "TagResource" || action == "UntagResource" {
		svc = serviceCloudWatch
	}
	return testutil.ToFloat64(env.prov.Metrics().Calls.WithLabelValues(svc, action, code))
}

func TestEmulatorLaunchConfigurationLifecycle(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{}, ProviderOptions{})
	ctx, s := env.ctx, env.svc
	name := "default-web-0123abcd"

	if lc, err := s.DescribeLaunchConfiguration(ctx, name); err != nil || lc != nil {
		t.Fatalf("missing launch configuration: %v, %v", lc, err)
	}
	spec := &ec2v1alpha1.LaunchConfigurationSpec{
		ImageID: "ami-12345678", InstanceType: "t3.micro", SecurityGroups: []string{"sg-12345678"},
		MetadataOptions: &ec2v1alpha1.MetadataOptions{HTTPTokens: "required"},
		BlockDeviceMappings: []ec2v1alpha1.BlockDeviceMapping{{
			DeviceName: "/dev/xvda", EBS: ec2v1alpha1.EBSVolume{VolumeSize: aws.Int32(20), VolumeType: "gp3"},
		}},
	}
	if err := s.CreateLaunchConfiguration(ctx, name, spec, "#!/bin/sh\necho hello\n"); err != nil {
		t.Fatalf("create: %v", err)
	}
	lc, err := s.DescribeLaunchConfiguration(ctx, name)
	if err != nil || lc == nil || lc.Name != name || !strings.HasPrefix(lc.ARN, "arn:aws:autoscaling:us-east-1:") || lc.CreatedTime.IsZero() {
		t.Fatalf("after create: %+v, %v", lc, err)
	}
	// User data went over base64-encoded.
	raw, err := autoscalingClient(env).DescribeLaunchConfigurations(ctx, &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: []string{name}})
	if err != nil || len(raw.LaunchConfigurations) != 1 {
		t.Fatalf("raw describe: %v", err)
	}
	if ud, _ := base64.StdEncoding.DecodeString(aws.ToString(raw.LaunchConfigurations[0].UserData)); string(ud) != "#!/bin/sh\necho hello\n" {
		t.Errorf("user data in AWS decodes to %q", ud)
	}
	if err := s.CreateLaunchConfiguration(ctx, name, spec, ""); !IsAlreadyExists(err) {
		t.Errorf("second create: %v, want AlreadyExists", err)
	} else if !strings.HasPrefix(err.Error(), "AWS AlreadyExists: ") {
		t.Errorf("message %q", err.Error())
	}

	// AlreadyExists says "go and look": the next describe reads AWS again; later ones are served
	// from the inventory, with no call within the cache TTL.
	env.emu.ResetCalls()
	if lc, _ := s.DescribeLaunchConfiguration(ctx, name); lc == nil || env.emu.Calls()["DescribeLaunchConfigurations"] != 1 {
		t.Errorf("after AlreadyExists: %+v, %d describes", lc, env.emu.Calls()["DescribeLaunchConfigurations"])
	}
	env.emu.ResetCalls()
	for range 3 {
		if lc, _ := s.DescribeLaunchConfiguration(ctx, name); lc == nil {
			t.Fatal("vanished")
		}
	}
	if n := env.emu.Calls()["DescribeLaunchConfigurations"]; n != 0 {
		t.Errorf("%d describes within the TTL", n)
	}

	// A group holds it: deletion waits with ResourceInUse, and the users are named.
	if err := s.CreateGroup(ctx, groupInput("web", name, 0, 2)); err != nil {
		t.Fatalf("create group: %v", err)
	}
	if err := s.DeleteLaunchConfiguration(ctx, name); !IsWaitAndRequeue(err) || ErrorCode(err) != "ResourceInUse" {
		t.Errorf("delete of a used launch configuration: %v", err)
	}
	if users, err := s.GroupsUsingLaunchConfiguration(ctx, name); err != nil || !slices.Equal(users, []string{"web"}) {
		t.Errorf("users = %v, %v", users, err)
	}
	// Once the group moves to another launch configuration, a fresh listing says nobody.
	env.mustLC("default-web-4567cdef")
	cur, err := s.DescribeGroup(ctx, "web", 0)
	if err != nil || cur == nil {
		t.Fatalf("describe group: %v", err)
	}
	if wrote, err := s.UpdateGroup(ctx, groupInput("web", "default-web-4567cdef", 0, 2), cur); err != nil || !wrote {
		t.Fatalf("move group: %v %v", wrote, err)
	}
	if users, err := s.GroupsUsingLaunchConfiguration(ctx, name); err != nil || len(users) != 0 {
		t.Errorf("users after the move = %v, %v", users, err)
	}
	if err := s.DeleteLaunchConfiguration(ctx, name); err != nil {
		t.Errorf("delete: %v", err)
	}
	if err := s.DeleteLaunchConfiguration(ctx, name); err != nil {
		t.Errorf("delete of a deleted launch configuration: %v", err)
	}
	if lc, err := s.DescribeLaunchConfiguration(ctx, name); err != nil || lc != nil {
		t.Errorf("after delete: %v, %v", lc, err)
	}
}

func autoscalingClient(env *emuEnv) *autoscaling.Client {
	return autoscaling.New(autoscaling.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(env.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
}

func TestEmulatorGroupLifecycle(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{LaunchDelay: 30 * time.Second}, ProviderOptions{})
	ctx, s := env.ctx, env.svc
	env.mustLC("default-web-1")

	in := &GroupInput{
		Name: "web", LaunchConfigurationName: "default-web-1", OwnerTag: "test/default/web",
		Spec: &ec2v1alpha1.AutoScalingGroupSpec{
			MinSize: 1, MaxSize: 4,
			VPCZoneIdentifier:  []string{"subnet-0000000b", "subnet-0000000a"},
			LoadBalancerNames:  []string{"lb-b", "lb-a"},
			TargetGroupARNs:    []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1"},
			SuspendedProcesses: []string{"AZRebalance"},
			HealthCheckType:    "EC2",
			Tags: []ec2v1alpha1.Tag{
				{Key: "team", Value: "web", PropagateAtLaunch: true},
				{Key: "env", Value: "prod"},
			},
		},
	}
	if g, err := s.DescribeGroup(ctx, "web", 0); err != nil || g != nil {
		t.Fatalf("before create: %v %v", g, err)
	}
	if err := s.CreateGroup(ctx, in); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := s.CreateGroup(ctx, in); !IsAlreadyExists(err) {
		t.Errorf("second create: %v", err)
	}
	g, err := s.DescribeGroup(ctx, "web", 0)
	if err != nil || g == nil {
		t.Fatalf("describe: %v", err)
	}
	if g.OwnerTag() != "test/default/web" || g.DesiredCapacity != 1 || !slices.Equal(g.SuspendedProcesses, []string{"AZRebalance"}) ||
		!slices.Equal(g.VPCZoneIdentifier, []string{"subnet-0000000a", "subnet-0000000b"}) || len(g.Instances) != 1 {
		t.Errorf("created group = %+v", g)
	}

	// An unchanged group costs no write at all, sync after sync.
	env.emu.ResetCalls()
	for range 3 {
		env.advance(time.Minute)
		g, err = s.DescribeGroup(ctx, "web", 0)
		if err != nil {
			t.Fatal(err)
		}
		if wrote, err := s.UpdateGroup(ctx, in, g); wrote || err != nil {
			t.Fatalf("unchanged group: wrote %v, %v (plan %v)", wrote, err, planGroupUpdate(in, g).changedFields)
		}
	}
	if w := writes(env.emu.Calls()); len(w) != 0 {
		t.Errorf("unchanged group made writes: %v", w)
	}

	// A change makes exactly the calls it needs.
	changed := *in
	spec := *in.Spec
	changed.Spec = &spec
	spec.MaxSize = 6
	spec.DesiredCapacity = aws.Int32(3)
	spec.Tags = []ec2v1alpha1.Tag{{Key: "team", Value: "platform", PropagateAtLaunch: true}}
	spec.LoadBalancerNames = []string{"lb-a"}
	spec.SuspendedProcesses = nil
	env.emu.ResetCalls()
	if wrote, err := s.UpdateGroup(ctx, &changed, g); !wrote || err != nil {
		t.Fatalf("update: %v %v", wrote, err)
	}
	want := map[string]int64{"UpdateAutoScalingGroup": 1, "CreateOrUpdateTags": 1, "DeleteTags": 1, "DetachLoadBalancers": 1, "ResumeProcesses": 1}
	if got := writes(env.emu.Calls()); !mapsEqual(got, want) {
		t.Errorf("writes = %v, want %v", got, want)
	}
	env.advance(time.Minute)
	g, err = s.DescribeGroup(ctx, "web", time.Hour) // the update invalidated the cached entry
	if err != nil || g.MaxSize != 6 || g.DesiredCapacity != 3 || g.OwnerTag() != "test/default/web" {
		t.Fatalf("after update: %+v %v", g, err)
	}
	if p := planGroupUpdate(&changed, g); !p.empty() {
		t.Errorf("after update the plan is %v", p.changedFields)
	}

	// Orphaning removes only the owner tag.
	if err := s.SetOwnerTag(ctx, "web", ""); err != nil {
		t.Fatal(err)
	}
	g, _ = s.DescribeGroup(ctx, "web", time.Hour)
	if g.OwnerTag() != "" || len(g.Tags) != 1 || g.Tags[0].Key != "team" {
		t.Errorf("tags after orphaning: %v", g.Tags)
	}
	if err := s.SetOwnerTag(ctx, "web", "test/default/web2"); err != nil {
		t.Fatal(err)
	}
	if g, _ = s.DescribeGroup(ctx, "web", time.Hour); g.OwnerTag() != "test/default/web2" {
		t.Errorf("owner tag = %q", g.OwnerTag())
	}

	// Without force, a group with instances cannot go; with force it does, and is then gone.
	if err := s.DeleteGroup(ctx, "web", false); !IsWaitAndRequeue(err) {
		t.Errorf("delete without force: %v", err)
	}
	if err := s.DeleteGroup(ctx, "web", true); err != nil {
		t.Fatalf("force delete: %v", err)
	}
	for i := 0; ; i++ {
		g, err = s.DescribeGroup(ctx, "web", 0)
		if err != nil {
			t.Fatal(err)
		}
		if g == nil {
			break
		}
		if g.Status != "Delete in progress" || i > 20 {
			t.Fatalf("while deleting: %+v", g)
		}
		env.advance(time.Minute)
	}
	if err := s.DeleteGroup(ctx, "web", true); err != nil {
		t.Errorf("delete of a deleted group: %v", err)
	}
	cur := &Group{Name: "web"}
	if _, err := s.UpdateGroup(ctx, groupInput("web", "default-web-1", 1, 4), cur); !IsNotFound(err) {
		t.Errorf("update of a deleted group: %v, want NotFound", err)
	}
}

func mapsEqual(a, b map[string]int64) bool {
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

// TestEmulatorInventoryAtFleetSize measures what issue 6 targets: N groups described by
// concurrent reconcilers, then five sync periods of steady state.
func TestEmulatorInventoryAtFleetSize(t *testing.T) {
	const n = 1000
	env := newEmuEnv(t, emulator.Options{Limits: emulator.Limits{MaxNumberOfAutoScalingGroups: 2 * n, MaxNumberOfLaunchConfigurations: 10}},
		ProviderOptions{})
	ctx, s := env.ctx, env.svc
	env.mustLC("lc")
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("g%04d", i)
		if err := s.CreateGroup(ctx, groupInput(names[i], "lc", 0, 1)); err != nil {
			t.Fatal(err)
		}
	}

	// Cold: every reconciler asks at once.
	env.emu.ResetCalls()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := s.DescribeGroup(ctx, name, time.Minute)
			if err == nil && (g == nil || g.Name != name) {
				err = fmt.Errorf("%s: got %+v", name, g)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	cold := env.emu.Calls()["DescribeAutoScalingGroups"]
	t.Logf("cold: %d concurrent DescribeGroup calls for %d groups cost %d DescribeAutoScalingGroups", n, n, cold)
	if cold > int64((n+99)/100)+1 {
		t.Errorf("cold: %d describes for %d groups", cold, n)
	}

	// Steady state: each reconciler returns once per period at its own time.
	env.emu.ResetCalls()
	const periods = 5
	for range periods {
		for _, name := range names {
			env.clock.Advance(time.Minute / n)
			if g, err := s.DescribeGroup(ctx, name, time.Minute); err != nil || g == nil {
				t.Fatalf("%s: %v %v", name, g, err)
			}
		}
	}
	steady := env.emu.Calls()["DescribeAutoScalingGroups"]
	perGroup := float64(steady) / n / periods
	t.Logf("steady state: %d DescribeAutoScalingGroups over %d periods for %d groups = %.4f calls per group per period",
		steady, periods, n, perGroup)
	if perGroup > 0.02 {
		t.Errorf("steady state costs %.4f calls per group per period", perGroup)
	}
}

func TestEmulatorActivities(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{LaunchDelay: 30 * time.Second}, ProviderOptions{ActivityPollInterval: 10 * time.Second})
	ctx, s := env.ctx, env.svc
	env.mustLC("lc")
	// A group that existed before the operator looked needs its history once.
	if _, err := autoscalingClient(env).CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("old"), LaunchConfigurationName: aws.String("lc"),
		MinSize: aws.Int32(2), MaxSize: aws.Int32(4), AvailabilityZones: []string{"us-east-1a"},
	}); err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	acts, _, err := s.ScalingActivities(ctx, "old", time.Time{}, 10)
	if err != nil || len(acts) != 2 {
		t.Fatalf("old group's history: %v %v", acts, err)
	}
	// A group created through the service after a poll needs none.
	in := groupInput("new", "lc", 1, 4)
	if err := s.CreateGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	env.emu.ResetCalls()
	env.clock.Advance(11 * time.Second)
	acts, _, err = s.ScalingActivities(ctx, "new", time.Time{}, 10)
	if err != nil || len(acts) != 1 || acts[0].StatusCode != "InProgress" || !strings.Contains(acts[0].Description, "Launching") {
		t.Fatalf("new group: %+v %v", acts, err)
	}
	if n := env.emu.Calls()["DescribeScalingActivities"]; n != 1 {
		t.Errorf("%d DescribeScalingActivities for the new group, want 1 account-wide", n)
	}
	first := acts[0].ActivityID

	// Scale out; the first launch completes; nothing is lost and statuses are current.
	env.advance(5 * time.Second)
	g, _ := s.DescribeGroup(ctx, "new", 0)
	spec := *in.Spec
	spec.DesiredCapacity = aws.Int32(3)
	in.Spec = &spec
	if _, err := s.UpdateGroup(ctx, in, g); err != nil {
		t.Fatal(err)
	}
	env.advance(time.Minute)
	env.clock.Advance(11 * time.Second)
	acts, _, err = s.ScalingActivities(ctx, "new", time.Time{}, 10)
	if err != nil || len(acts) != 3 {
		t.Fatalf("after scale-out: %+v %v", acts, err)
	}
	for _, a := range acts {
		if a.StatusCode != "Successful" {
			t.Errorf("activity %s is %s", a.ActivityID, a.StatusCode)
		}
	}
	if acts[len(acts)-1].ActivityID != first || !acts[0].StartTime.After(acts[2].StartTime.Time) ||
		!slices.IsSortedFunc(acts, func(a, b Activity) int { return b.StartTime.Compare(a.StartTime.Time) }) {
		t.Errorf("not newest first: %+v", acts)
	}
	// since: what started or ended later.
	if got, _, _ := s.ScalingActivities(ctx, "new", acts[0].EndTime.Time, 10); len(got) != 0 {
		t.Errorf("since the last end: %v", got)
	}
	if got, _, _ := s.ScalingActivities(ctx, "new", acts[2].EndTime.Time, 10); len(got) != 2 {
		t.Errorf("since the first launch ended: %v", got)
	}
	if got, _, _ := s.ScalingActivities(ctx, "new", time.Time{}, 2); len(got) != 2 || got[0].ActivityID != acts[0].ActivityID {
		t.Errorf("limit 2: %v", got)
	}

	// Steady state across 100 reads in one poll interval: one account-wide call at most.
	env.emu.ResetCalls()
	env.clock.Advance(11 * time.Second)
	for range 50 {
		for _, g := range []string{"new", "old"} {
			if _, _, err := s.ScalingActivities(ctx, g, time.Time{}, 10); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := env.emu.Calls()["DescribeScalingActivities"]; n != 1 {
		t.Errorf("%d DescribeScalingActivities for 100 reads", n)
	}
}

func TestEmulatorPoliciesAndAlarms(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{}, ProviderOptions{})
	ctx, s := env.ctx, env.svc
	env.mustLC("lc")
	if err := s.CreateGroup(ctx, groupInput("web", "lc", 1, 8)); err != nil {
		t.Fatal(err)
	}

	if p, err := s.describePolicy(ctx, "web", "web-upper"); err != nil || p != nil {
		t.Fatalf("missing policy: %v %v", p, err)
	}
	up := &PolicyInput{Group: "web", Name: "web-upper", AdjustmentType: AdjustmentPercentChangeInCapacity, ScalingAdjustment: 10, Cooldown: aws.Int32(120)}
	down := &PolicyInput{Group: "web", Name: "web-lower", AdjustmentType: AdjustmentChangeInCapacity, ScalingAdjustment: -1}
	upARN, err := s.putPolicy(ctx, up)
	if err != nil || !strings.HasPrefix(upARN, "arn:aws:autoscaling:") {
		t.Fatalf("put: %q %v", upARN, err)
	}
	downARN, err := s.putPolicy(ctx, down)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh process reads them back from AWS, batched, and finds them up to date.
	other := servicesOf(env.newProvider(ProviderOptions{}), "")
	env.emu.ResetCalls()
	var wg sync.WaitGroup
	for _, in := range []*PolicyInput{up, down} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := other.describePolicy(ctx, in.Group, in.Name)
			if err != nil || p == nil || !policyUpToDate(in, p) {
				t.Errorf("%s from AWS: %+v %v", in.Name, p, err)
			}
		}()
	}
	wg.Wait()
	if n := env.emu.Calls()["DescribePolicies"]; n != 1 {
		t.Errorf("%d DescribePolicies for two policies", n)
	}
	// Asked for together, as a trigger does: one describe whatever the timing, and PutPolicy
	// writes nothing when AWS already holds the policy.
	fresh := servicesOf(env.newProvider(ProviderOptions{}), "")
	env.emu.ResetCalls()
	got, err := fresh.DescribePolicies(ctx, "web", []string{"web-upper", "web-missing", "web-lower"})
	if err != nil || len(got) != 3 || got[0] == nil || got[1] != nil || got[2] == nil || got[2].ARN != downARN {
		t.Fatalf("DescribePolicies: %+v %v", got, err)
	}
	if arn, wrote, err := fresh.PutPolicy(ctx, up, got[0]); err != nil || wrote || arn != upARN {
		t.Errorf("PutPolicy of an unchanged policy: %q wrote=%v %v", arn, wrote, err)
	}
	if calls := env.emu.Calls(); calls["DescribePolicies"] != 1 || calls["PutScalingPolicy"] != 0 {
		t.Errorf("calls = %v, want one DescribePolicies and no PutScalingPolicy", calls)
	}

	alarm := &AlarmInput{
		Name: "default-web-upper", Namespace: "AWS/EC2", MetricName: "CPUUtilization", Statistic: "Average",
		Dimensions: map[string]string{"AutoScalingGroupName": "web"}, Period: 60, EvaluationPeriods: 2,
		Threshold: 80, ComparisonOperator: "GreaterThanThreshold", AlarmActions: []string{upARN}, OwnerTag: "test/default/cpu",
	}
	if a, err := s.describeAlarm(ctx, alarm.Name, 0); err != nil || a != nil {
		t.Fatalf("missing alarm: %v %v", a, err)
	}
	if wrote, err := s.PutAlarm(ctx, alarm, nil); !wrote || err != nil {
		t.Fatalf("create alarm: %v %v", wrote, err)
	}
	a, err := s.describeAlarm(ctx, alarm.Name, 0)
	if err != nil || a == nil || !alarmUpToDate(alarm, a) || a.OwnerTag != "test/default/cpu" || a.ARN == "" {
		t.Fatalf("alarm: %+v %v", a, err)
	}
	env.emu.ResetCalls()
	if wrote, err := s.PutAlarm(ctx, alarm, a); wrote || err != nil {
		t.Errorf("unchanged alarm: %v %v", wrote, err)
	}
	if w := writes(env.emu.Calls()); len(w) != 0 {
		t.Errorf("unchanged alarm wrote %v", w)
	}
	// Another process learns the owner from the alarm's tags, once.
	env.emu.ResetCalls()
	for range 2 {
		oa, err := other.describeAlarm(ctx, alarm.Name, 0)
		if err != nil || oa == nil {
			t.Fatalf("other process: %+v %v", oa, err)
		}
		if oa.OwnerTag != "test/default/cpu" {
			if taggingUnsupported(env) {
				t.Logf("the emulator has no CloudWatch ListTagsForResource: owner tags of alarms this process did not create are unknown")
				break
			}
			t.Fatalf("other process: owner %q", oa.OwnerTag)
		}
	}
	if n := env.emu.Calls()["ListTagsForResource"]; n != 1 {
		t.Errorf("%d ListTagsForResource", n)
	}

	// The alarm fires when the group's CPU stays high.
	env.emu.SetGroupLoad("us-east-1", "web", 95)
	for i := 0; ; i++ {
		env.advance(time.Minute)
		a, err = s.describeAlarm(ctx, alarm.Name, 0)
		if err != nil {
			t.Fatal(err)
		}
		if a.StateValue == "ALARM" {
			break
		}
		if i > 10 {
			t.Fatalf("alarm never fired: %+v", a)
		}
	}
	if a.StateTransitionedTimestamp.IsZero() || a.StateReason == "" {
		t.Errorf("alarm state: %+v", a)
	}

	// A change updates; orphaning removes the owner tag and nothing else.
	changed := *alarm
	changed.Threshold = 90
	if wrote, err := s.PutAlarm(ctx, &changed, a); !wrote || err != nil {
		t.Fatal(err)
	}
	changed.OwnerTag = ""
	a, _ = s.describeAlarm(ctx, alarm.Name, 0)
	if a == nil || a.Threshold != 90 || a.OwnerTag != "test/default/cpu" {
		t.Fatalf("after the change: %+v", a)
	}
	env.emu.ResetCalls()
	wrote, err := s.PutAlarm(ctx, &changed, a)
	if !wrote {
		t.Errorf("orphaning wrote nothing")
	}
	if w := writes(env.emu.Calls()); !mapsEqual(w, map[string]int64{"UntagResource": 1}) {
		t.Errorf("orphaning wrote %v", w)
	}
	switch {
	case err != nil && taggingUnsupported(env):
		t.Logf("the emulator has no CloudWatch UntagResource: %v", err)
	case err != nil:
		t.Errorf("orphaning: %v", err)
	default:
		third := servicesOf(env.newProvider(ProviderOptions{}), "")
		if a, _ := third.describeAlarm(ctx, alarm.Name, 0); a == nil || a.OwnerTag != "" || a.Threshold != 90 {
			t.Errorf("after orphaning: %+v", a)
		}
	}

	for range 2 {
		if err := s.DeleteAlarm(ctx, alarm.Name); err != nil {
			t.Errorf("delete alarm: %v", err)
		}
		if err := s.DeletePolicy(ctx, "web", "web-upper"); err != nil {
			t.Errorf("delete policy: %v", err)
		}
	}
	if a, err := s.describeAlarm(ctx, alarm.Name, 0); a != nil || err != nil {
		t.Errorf("deleted alarm: %+v %v", a, err)
	}
	// Another process sees a policy deleted behind its back once its cache entry expires.
	if p, err := other.describePolicy(ctx, "web", "web-upper"); p == nil || err != nil {
		t.Errorf("within the TTL the other process still has the policy: %+v %v", p, err)
	}
	env.clock.Advance(DefaultCacheTTL + time.Second)
	if p, err := other.describePolicy(ctx, "web", "web-upper"); p != nil || err != nil {
		t.Errorf("deleted policy seen by another process after the TTL: %+v %v", p, err)
	}
	if p, err := s.describePolicy(ctx, "web", "web-lower"); p == nil || err != nil || p.ARN != downARN {
		t.Errorf("the other policy: %+v %v", p, err)
	}
	// Deleting the group takes its policies along.
	if err := s.DeleteGroup(ctx, "web", true); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePolicy(ctx, "web", "web-lower"); err != nil {
		t.Errorf("delete policy of a deleted group: %v", err)
	}
}

// taggingUnsupported: the emulator answered a CloudWatch tagging call with UnknownOperation.
func taggingUnsupported(env *emuEnv) bool {
	calls := env.emu.Calls()
	return calls["ListTagsForResource:UnknownOperationException"]+calls["UntagResource:UnknownOperationException"]+
		calls["TagResource:UnknownOperationException"] > 0
}

func TestEmulatorRetriesAndMetrics(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{}, ProviderOptions{MaxAttempts: 3})
	ctx, s := env.ctx, env.svc
	env.mustLC("lc")
	if err := s.CreateGroup(ctx, groupInput("web", "lc", 0, 2)); err != nil {
		t.Fatal(err)
	}

	// Throttling is retried and counted per attempt.
	env.emu.Faults().Set("DescribeAutoScalingGroups", emulator.FaultRule{FailNext: 2, Code: "Throttling"})
	if g, err := s.DescribeGroup(ctx, "web", 0); err != nil || g == nil {
		t.Fatalf("throttled describe: %v %v", g, err)
	}
	if got := env.callsOf("DescribeAutoScalingGroups", "Throttling"); got != 2 {
		t.Errorf("throttled attempts counted %v", got)
	}
	if got := testutil.ToFloat64(env.prov.Metrics().Throttles.WithLabelValues(serviceAutoScaling, "DescribeAutoScalingGroups")); got != 2 {
		t.Errorf("throttles counted %v", got)
	}
	if got := env.callsOf("DescribeAutoScalingGroups", "OK"); got < 1 {
		t.Errorf("successful describes counted %v", got)
	}

	// ResourceContention is retryable too; 5xx as well.
	for _, code := range []string{"ResourceContention", "InternalFailure", "ServiceUnavailable"} {
		env.emu.Faults().Set("UpdateAutoScalingGroup", emulator.FaultRule{FailNext: 1, Code: code})
		g, _ := s.DescribeGroup(ctx, "web", 0)
		in := groupInput("web", "lc", 0, 2)
		in.Spec.MaxSize = g.MaxSize + 1
		if wrote, err := s.UpdateGroup(ctx, in, g); err != nil || !wrote {
			t.Errorf("update through %s: %v", code, err)
		}
		if got := env.callsOf("UpdateAutoScalingGroup", code); got != 1 {
			t.Errorf("%s attempts counted %v", code, got)
		}
	}

	// A validation error is not retried.
	env.emu.Faults().Set("UpdateAutoScalingGroup", emulator.FaultRule{FailNext: 5, Code: "ValidationError"})
	g, _ := s.DescribeGroup(ctx, "web", 0)
	in := groupInput("web", "lc", 0, 10)
	_, err := s.UpdateGroup(ctx, in, g)
	if !IsTerminal(err) || env.callsOf("UpdateAutoScalingGroup", "ValidationError") != 1 {
		t.Errorf("validation error: %v after %v attempts", err, env.callsOf("UpdateAutoScalingGroup", "ValidationError"))
	}
	env.emu.Faults().Clear()

	// Throttling beyond MaxAttempts reaches the caller, classified retryable.
	env.emu.Faults().Set("DescribeLaunchConfigurations", emulator.FaultRule{FailNext: 10, Code: "Throttling"})
	_, err = s.GroupsUsingLaunchConfiguration(ctx, "nobody") // a listing: DescribeAutoScalingGroups, unaffected
	if err != nil {
		t.Errorf("listing: %v", err)
	}
	if _, err := env.svc.fetchLaunchConfigurations(ctx, []string{"x"}); ClassOf(err) != ClassRetryable || ErrorCode(err) != "Throttling" {
		t.Errorf("exhausted retries: %v", err)
	}
	if got := env.callsOf("DescribeLaunchConfigurations", "Throttling"); got != 3 {
		t.Errorf("%v attempts with MaxAttempts 3", got)
	}
	env.emu.Faults().Clear()

	// The metrics are in the registry under their names.
	families, err := env.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	for _, want := range []string{MetricCalls, MetricThrottles, MetricCallDuration} {
		if !slices.Contains(names, want) {
			t.Errorf("metric %s not registered (have %v)", want, names)
		}
	}
}

func TestEmulatorRateLimit(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{}, ProviderOptions{RateLimit: 20, Burst: 1})
	ctx, s := env.ctx, env.svc
	start := time.Now()
	for i := range 11 {
		if err := s.DeleteLaunchConfiguration(ctx, fmt.Sprintf("missing-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	if elapsed < 450*time.Millisecond {
		t.Errorf("11 calls at 20/s with burst 1 took %v", elapsed)
	}
	if w := testutil.ToFloat64(env.prov.Metrics().RateLimitWait.WithLabelValues(serviceAutoScaling)); w < 0.3 {
		t.Errorf("rate-limit wait recorded %vs", w)
	}
	// The limit is per service: CloudWatch has its own bucket.
	cwStart := time.Now()
	if err := s.DeleteAlarm(ctx, "missing"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(cwStart); d > 200*time.Millisecond {
		t.Errorf("a CloudWatch call waited %v behind Auto Scaling's limit", d)
	}
	// A caller's deadline ends the wait.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	for i := range 5 {
		if err := s.DeleteLaunchConfiguration(short, fmt.Sprintf("missing-%d", i)); err != nil {
			return
		}
	}
	t.Errorf("calls past the caller's deadline did not fail")
}

func TestEmulatorRegionsAreSeparate(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{}, ProviderOptions{})
	ctx := env.ctx
	eu := servicesOf(env.prov, "eu-west-1")
	if eu == servicesOf(env.prov, "") || eu != servicesOf(env.prov, "eu-west-1") || servicesOf(env.prov, "") != servicesOf(env.prov, "us-east-1") {
		t.Fatal("one service per region")
	}
	if err := eu.CreateLaunchConfiguration(ctx, "lc", &ec2v1alpha1.LaunchConfigurationSpec{ImageID: "ami-12345678", InstanceType: "t3.micro"}, ""); err != nil {
		t.Fatal(err)
	}
	if lc, _ := env.svc.DescribeLaunchConfiguration(ctx, "lc"); lc != nil {
		t.Errorf("eu-west-1's launch configuration seen in us-east-1")
	}
	if lc, _ := eu.DescribeLaunchConfiguration(ctx, "lc"); lc == nil || !strings.Contains(lc.ARN, ":eu-west-1:") {
		t.Errorf("eu-west-1: %+v", lc)
	}
}

func TestProviderEndpointAndRegion(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{}, ProviderOptions{})
	ctx := env.ctx
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "wrong endpoint", http.StatusTeapot)
	}))
	defer dead.Close()

	// The standard variables are honoured…
	t.Setenv("AWS_ENDPOINT_URL_AUTO_SCALING", env.srv.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
	p, err := NewProvider(ctx, ProviderOptions{RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultRegion() != "us-east-1" {
		t.Errorf("region %q", p.DefaultRegion())
	}
	if err := servicesOf(p, "").DeleteLaunchConfiguration(ctx, "x"); err != nil {
		t.Errorf("through AWS_ENDPOINT_URL_AUTO_SCALING: %v", err)
	}
	// …and the explicit endpoint wins over them.
	t.Setenv("AWS_ENDPOINT_URL_AUTO_SCALING", dead.URL)
	t.Setenv("AWS_ENDPOINT_URL", dead.URL)
	p, err = NewProvider(ctx, ProviderOptions{RateLimit: -1, Endpoint: env.srv.URL, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := servicesOf(p, "").DeleteLaunchConfiguration(ctx, "x"); err != nil {
		t.Errorf("explicit endpoint: %v", err)
	}
	if err := servicesOf(p, "").DeleteAlarm(ctx, "x"); err != nil {
		t.Errorf("explicit endpoint (CloudWatch): %v", err)
	}
	p, _ = NewProvider(ctx, ProviderOptions{RateLimit: -1, MaxAttempts: 1})
	if err := servicesOf(p, "").DeleteLaunchConfiguration(ctx, "x"); err == nil {
		t.Errorf("AWS_ENDPOINT_URL_AUTO_SCALING not honoured")
	}
	// The explicit region wins; without any region the provider refuses to start.
	if p, _ := NewProvider(ctx, ProviderOptions{Region: "eu-central-1"}); p == nil || p.DefaultRegion() != "eu-central-1" {
		t.Errorf("explicit region not used")
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	if _, err := NewProvider(ctx, ProviderOptions{}); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("no region: %v", err)
	}
}

// TestEmulatorAlarmAndPolicyBatching: a fresh process describing every trigger's alarms and
// policies at once pays a describe per hundred alarms and per fifty policies.
func TestEmulatorAlarmAndPolicyBatching(t *testing.T) {
	const groups = 60
	env := newEmuEnv(t, emulator.Options{}, ProviderOptions{})
	ctx, s := env.ctx, env.svc
	env.mustLC("lc")
	var policies []*PolicyInput
	var alarms []*AlarmInput
	for i := range groups {
		g := fmt.Sprintf("g%02d", i)
		if err := s.CreateGroup(ctx, groupInput(g, "lc", 0, 4)); err != nil {
			t.Fatal(err)
		}
		for _, dir := range []string{"upper", "lower"} {
			p := &PolicyInput{Group: g, Name: "default-" + g + "-" + dir, AdjustmentType: AdjustmentChangeInCapacity, ScalingAdjustment: 1}
			arn, err := s.putPolicy(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			a := &AlarmInput{Name: p.Name, Namespace: "AWS/EC2", MetricName: "CPUUtilization", Statistic: "Average",
				Dimensions: map[string]string{"AutoScalingGroupName": g}, Period: 60, EvaluationPeriods: 1, Threshold: 50,
				ComparisonOperator: "GreaterThanThreshold", AlarmActions: []string{arn}, OwnerTag: "test/default/" + g}
			if _, err := s.PutAlarm(ctx, a, nil); err != nil {
				t.Fatal(err)
			}
			policies, alarms = append(policies, p), append(alarms, a)
		}
	}
	other := servicesOf(env.newProvider(ProviderOptions{}), "")
	env.emu.ResetCalls()
	var wg sync.WaitGroup
	for i := range policies {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if p, err := other.describePolicy(ctx, policies[i].Group, policies[i].Name); err != nil || !policyUpToDate(policies[i], p) {
				t.Errorf("policy %s: %+v %v", policies[i].Name, p, err)
			}
		}()
		go func() {
			defer wg.Done()
			if a, err := other.describeAlarm(ctx, alarms[i].Name, time.Minute); err != nil || !alarmUpToDate(alarms[i], a) {
				t.Errorf("alarm %s: %+v %v", alarms[i].Name, a, err)
			}
		}()
	}
	wg.Wait()
	calls := env.emu.Calls()
	t.Logf("%d policies and %d alarms described concurrently: %d DescribePolicies, %d DescribeAlarms, %d ListTagsForResource",
		len(policies), len(alarms), calls["DescribePolicies"], calls["DescribeAlarms"], calls["ListTagsForResource"])
	if calls["DescribePolicies"] > int64((len(policies)+49)/50) || calls["DescribeAlarms"] > int64((len(alarms)+99)/100) {
		t.Errorf("calls = %v", calls)
	}
	// One call for every alarm asked for together, however the callers' timing falls.
	names := make([]string, len(alarms))
	for i, a := range alarms {
		names[i] = a.Name
	}
	together := servicesOf(env.newProvider(ProviderOptions{}), "")
	env.emu.ResetCalls()
	if got, err := together.DescribeAlarms(ctx, names, time.Minute); err != nil || len(got) != len(names) || got[len(got)-1].Name != names[len(names)-1] {
		t.Errorf("DescribeAlarms of %d: %d, %v", len(names), len(got), err)
	}
	if n := env.emu.Calls()["DescribeAlarms"]; n != int64((len(alarms)+99)/100) {
		t.Errorf("%d DescribeAlarms for %d alarms asked for together", n, len(alarms))
	}
	// Policy names repeated across groups are described group by group, not account-wide.
	sameName := servicesOf(env.newProvider(ProviderOptions{}), "")
	found, err := sameName.fetchPolicies(ctx, []string{policyKey("g00", "default-g00-upper"), policyKey("g01", "default-g00-upper")})
	if err != nil || len(found) != 1 {
		t.Errorf("mixed keys: %v %v", found, err)
	}
}
