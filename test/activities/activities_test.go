// Package activities checks that a group's scaling-activity history reaches its status whatever
// the timing: AWS answering slowly, instances InService at once or after a long launch, the
// activity feed polling more or less often than instances take to launch, and the manager on one
// CPU. Each scenario runs the whole stack (test/harness: envtest, the emulator in-process,
// bin/manager as a subprocess with its own flags and environment) and asserts two things:
//
//   - the status write that turns Ready True after the creation already lists the launch
//     activity of every instance it shows (seen through a watch, so no later write can hide a
//     missing one);
//   - activities nothing in Kubernetes announces (capacity changed through the AWS API, an
//     unhealthy instance replaced) reach status and Events before the next periodic sync could
//     have brought them: the manager's sync period is set far longer than the test.
package activities

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/go-logr/logr"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// syncPeriod is far longer than any scenario: whatever reaches status during a scenario's
// out-of-band steps was brought by the activity feed's news, not by a periodic sync.
const syncPeriod = 30 * time.Minute

// managerBinary is built once for every scenario.
var managerBinary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// envtest logs through controller-runtime; this test reads the manager's log instead.
	logf.SetLogger(logr.Discard())
	root, err := harness.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "activities-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if managerBinary, err = harness.BuildManager(root, dir); err != nil {
		fmt.Fprintln(os.Stderr, "building the manager:", err)
		return 1
	}
	return m.Run()
}

type scenario struct {
	name string
	// launchDelay is how long the emulator keeps a new instance Pending.
	launchDelay time.Duration
	// pollInterval is the manager's --aws-activity-poll-interval.
	pollInterval time.Duration
	// latency is added to every DescribeScalingActivities answer.
	latency time.Duration
	// oneCPU runs the manager with GOMAXPROCS=1.
	oneCPU bool
}

func TestActivityHistoryConverges(t *testing.T) {
	for _, sc := range []scenario{
		{name: "slow-aws/instant-launch/one-cpu", launchDelay: 0, pollInterval: time.Second, latency: 2 * time.Second, oneCPU: true},
		{name: "slow-aws/long-launch/poll-shorter-than-launch/one-cpu", launchDelay: 8 * time.Second, pollInterval: time.Second, latency: 2 * time.Second, oneCPU: true},
		{name: "slow-aws/poll-longer-than-launch/one-cpu", launchDelay: 2 * time.Second, pollInterval: 6 * time.Second, latency: 2 * time.Second, oneCPU: true},
		{name: "fast-aws/poll-longer-than-launch", launchDelay: time.Second, pollInterval: 4 * time.Second},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t) })
	}
}

func (sc scenario) run(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	opts := harness.Options{
		ManagerBinary: managerBinary,
		SyncPeriod:    syncPeriod,
		ManagerArgs:   []string{"--aws-activity-poll-interval=" + sc.pollInterval.String()},
		Emulator:      emulator.Options{LaunchDelay: sc.launchDelay, TerminationDelay: time.Second},
	}
	if sc.oneCPU {
		opts.ManagerEnv = []string{"GOMAXPROCS=1"}
	}
	env, err := harness.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("manager log (last 80 lines):\n%s", env.Manager.LogTail(80))
		}
		if err := env.Close(); err != nil {
			t.Error(err)
		}
	}()
	if sc.latency > 0 {
		env.Emulator.Faults().Set("DescribeScalingActivities", emulator.FaultRule{Latency: sc.latency})
	}

	ns := "activities-" + randomSuffix()
	must(t, env.EnsureNamespace(ctx, ns))
	set := harness.NewSets(ns, "g"+randomSuffix(), 1, harness.SetTemplate{MinSize: 3, MaxSize: 6, NoTrigger: true})[0]
	group := set.AutoScalingGroup
	group.Spec.ActivityHistoryLimit = ptr.To[int32](30)

	// Watch the group from before it exists, so every status write is seen.
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	must(t, err)
	w, err := wc.Watch(ctx, &ec2v1alpha1.AutoScalingGroupList{}, client.InNamespace(ns))
	must(t, err)
	defer w.Stop()

	must(t, harness.CreateObjects(ctx, env.Client, []harness.Set{set}, 2))
	ready := firstReady(ctx, t, w, group.Name, 3*time.Minute)
	if err := launchesShown(ready, 3); err != nil {
		t.Fatalf("the status write that made the group Ready lacks launch activities: %v\nstatus: %+v", err, ready.Status)
	}
	t.Logf("Ready with %d instances and %d activities", len(ready.Status.Instances), len(ready.Status.Activities))

	as := autoscaling.NewFromConfig(aws.Config{
		Region:      harness.Region,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}, func(o *autoscaling.Options) { o.BaseEndpoint = aws.String(env.EmulatorURL) })

	// Capacity changed behind the operator's back (desiredCapacity is unset in the spec, so the
	// operator leaves it): the new launch reaches status and an Event.
	_, err = as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{
		AutoScalingGroupName: aws.String(group.Name), DesiredCapacity: aws.Int32(4),
	})
	must(t, err)
	launched := newestActivity(t, env, group.Name, "Launching a new EC2 instance: ")
	waitActivityShown(ctx, t, env, group, launched, "the launch SetDesiredCapacity caused")

	// An instance fails its health check: AWS terminates and replaces it.
	victim := ready.Status.Instances[0].InstanceID
	must(t, env.Emulator.MarkUnhealthy(victim))
	terminated := activityAbout(t, env, group.Name, "Terminating EC2 instance: "+victim)
	waitActivityShown(ctx, t, env, group, terminated, "the termination of the unhealthy instance")
}

// firstReady reads watch events until the group's status first says Ready for its generation,
// and returns that object as written.
func firstReady(ctx context.Context, t *testing.T, w watch.Interface, name string, timeout time.Duration) *ec2v1alpha1.AutoScalingGroup {
	t.Helper()
	deadline := time.After(timeout)
	var last *ec2v1alpha1.AutoScalingGroup
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("the watch ended")
			}
			g, isGroup := ev.Object.(*ec2v1alpha1.AutoScalingGroup)
			if !isGroup || g.Name != name {
				continue
			}
			last = g
			if meta.IsStatusConditionTrue(g.Status.Conditions, ec2v1alpha1.ConditionReady) && g.Status.ObservedGeneration == g.Generation {
				return g
			}
		case <-deadline:
			t.Fatalf("the group was not Ready within %s; last seen: %+v", timeout, last)
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
}

// launchesShown checks that status lists, for each of its instances, the activity that launched
// it, and at least want instances.
func launchesShown(g *ec2v1alpha1.AutoScalingGroup, want int) error {
	if len(g.Status.Instances) < want {
		return fmt.Errorf("%d instances, want %d", len(g.Status.Instances), want)
	}
	var missing []string
	for _, in := range g.Status.Instances {
		if !slices.ContainsFunc(g.Status.Activities, func(a ec2v1alpha1.Activity) bool {
			return strings.HasSuffix(a.Description, in.InstanceID)
		}) {
			missing = append(missing, in.InstanceID)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no launch activity for %v", missing)
	}
	return nil
}

// newestActivity returns the ID of the group's newest activity whose description starts with
// prefix, as the emulator has it.
func newestActivity(t *testing.T, env *harness.Env, group, prefix string) string {
	t.Helper()
	return activityWhere(t, env, group, func(d string) bool { return strings.HasPrefix(d, prefix) })
}

func activityAbout(t *testing.T, env *harness.Env, group, description string) string {
	t.Helper()
	return activityWhere(t, env, group, func(d string) bool { return d == description })
}

func activityWhere(t *testing.T, env *harness.Env, group string, match func(description string) bool) string {
	t.Helper()
	var id string
	var newest time.Time
	for _, a := range env.Emulator.Snapshot().Regions[harness.Region].Activities {
		if a.GroupName == group && match(a.Description) && !a.Start.Before(newest) {
			id, newest = a.ID, a.Start
		}
	}
	if id == "" {
		t.Fatalf("the emulator has no such activity of group %s", group)
	}
	return id
}

// waitActivityShown waits until the activity is in the group's status and has its Event. The
// manager syncs every 30 minutes, so only the activity feed's news can bring it in time.
func waitActivityShown(ctx context.Context, t *testing.T, env *harness.Env, group *ec2v1alpha1.AutoScalingGroup, activityID, what string) {
	t.Helper()
	const timeout = 2 * time.Minute // far below syncPeriod; generous for a loaded machine
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		last = activityShown(ctx, env, group, activityID)
		if last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s (activity %s) did not reach status and Events within %s (sync period %s): %v",
				what, activityID, timeout, syncPeriod, errors.Join(ctx.Err(), last))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func activityShown(ctx context.Context, env *harness.Env, group *ec2v1alpha1.AutoScalingGroup, activityID string) error {
	g := &ec2v1alpha1.AutoScalingGroup{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(group), g); err != nil {
		return err
	}
	if !slices.ContainsFunc(g.Status.Activities, func(a ec2v1alpha1.Activity) bool { return a.ActivityID == activityID }) {
		return fmt.Errorf("not in status.activities (%d activities)", len(g.Status.Activities))
	}
	events := &eventsv1.EventList{}
	if err := env.Client.List(ctx, events, client.InNamespace(group.Namespace)); err != nil {
		return err
	}
	if !slices.ContainsFunc(events.Items, func(e eventsv1.Event) bool {
		return e.Reason == "ScalingActivity" && e.Regarding.Name == group.Name && e.Related != nil && e.Related.Name == activityID
	}) {
		return errors.New("in status, but no ScalingActivity Event names it")
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
