// Package soak runs the operator through random creates, updates and deletes of all three kinds
// while AWS misbehaves (errors, throttling bursts, latency) and the manager is killed at random
// moments, including right after an AWS create and before the manager could record it. At the
// end, with the faults off, every object must be Ready within 60 s and AWS must hold exactly what
// the objects describe: no duplicate, no leak, nothing missing.
//
//	go test ./test/soak                                  # the short form `make test` runs
//	go test ./test/soak -soak.duration=10m -timeout=30m  # make soak
//	go test ./test/soak -soak.seed=42                    # replay an operation sequence
package soak

import (
	"context"
	"flag"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

var (
	duration = flag.Duration("soak.duration", 45*time.Second, "how long the chaos phase runs")
	seed     = flag.Uint64("soak.seed", 0, "seed of the operation sequence (0: from the clock; the seed is printed either way)")
	maxSets  = flag.Int("soak.sets", 8, "most sets (launch configuration, group, trigger) alive at once")
)

const (
	syncPeriod = 5 * time.Second
	// settleTimeout is the promise: faults off, every object Ready and AWS exact within it.
	settleTimeout = 60 * time.Second
	namespace     = "soak"
)

func TestSoak(t *testing.T) {
	s := *seed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("soak seed %d, duration %s (replay with -soak.seed=%d)", s, *duration, s)
	ctx, cancel := context.WithTimeout(context.Background(), *duration+6*time.Minute)
	defer cancel()

	env, err := harness.Start(ctx, harness.Options{
		SyncPeriod: syncPeriod,
		Emulator: emulator.Options{
			LaunchDelay:      2 * time.Second,
			TerminationDelay: time.Second,
		},
	})
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
	must(t, createNamespace(ctx, env, namespace))

	rng := rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
	w := newWorkload(env, namespace, rng)
	ch := newChaos(env, rand.New(rand.NewPCG(s+1, s)))

	// Chaos: operations, faults and kills at once, for the duration.
	chaosCtx, stopChaos := context.WithTimeout(ctx, *duration)
	ch.start(chaosCtx)
	w.run(chaosCtx, t, *maxSets)
	stopChaos()
	ch.stop()

	// Faults off, the manager up: the operator must converge.
	env.Emulator.Faults().Clear()
	if err := ch.ensureUp(ctx); err != nil {
		t.Fatalf("restarting the manager after the chaos: %v", err)
	}
	settleStart := time.Now()
	res := w.settle(ctx, t, settleTimeout)
	t.Logf("settled in %s", time.Since(settleStart).Round(100*time.Millisecond))

	calls := env.Emulator.Calls()
	t.Logf("operations %d (%s)", w.ops.total(), w.ops)
	internal, throttling, total := faultCounts(calls)
	t.Logf("faults %d (InternalFailure %d, Throttling %d, of %d AWS calls)", internal+throttling, internal, throttling, total)
	t.Logf("restarts %d (random kills %d, kills right after an AWS create %d: %s)", ch.restarts(), ch.randomKillCount(), ch.hookKillCount(), ch.hookKillSummary())
	t.Logf("objects at the end: %s", res.objects)
	t.Logf("duplicates = %d, leaks = %d, missing = %d", len(res.duplicates), len(res.leaks), len(res.missing))
	for _, d := range res.duplicates {
		t.Errorf("duplicate: %s", d)
	}
	for _, l := range res.leaks {
		t.Errorf("leak: %s", l)
	}
	for _, m := range res.missing {
		t.Errorf("missing: %s", m)
	}
	for _, p := range res.notReady {
		t.Errorf("not Ready %s after the faults stopped: %s", settleTimeout, p)
	}
	if !t.Failed() {
		checkTheChecker(ctx, t, env, w)
	}
	if ch.restarts() == 0 && *duration >= 30*time.Second {
		t.Errorf("the manager was never killed: the soak did not test crashes")
	}
	if os.Getenv("SOAK_KEEP_LOG") != "" {
		t.Logf("manager log: %s", env.Manager.LogPath())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// faultCounts sums the emulator's error counters of the injected codes, and its calls.
func faultCounts(calls map[string]int64) (internal, throttling, total int64) {
	for k, v := range calls {
		switch {
		case strings.HasSuffix(k, ":InternalFailure"):
			internal += v
		case strings.HasSuffix(k, ":Throttling"):
			throttling += v
		case !strings.Contains(k, ":"):
			total += v
		}
	}
	return internal, throttling, total
}

// checkTheChecker stops the manager, plants a duplicate, a leak and a missing resource behind its
// back, and makes sure the comparison reports each: a soak whose checker sees nothing proves
// nothing.
func checkTheChecker(ctx context.Context, t *testing.T, env *harness.Env, w *workload) {
	t.Helper()
	live := w.liveSets(func(s *set) bool { return s.lc && s.group && s.trigger })
	if len(live) == 0 {
		t.Log("no complete set left to plant resources next to; checker self-test skipped")
		return
	}
	must(t, env.Manager.Stop())
	s := live[0]
	as, cw := awsClients(env)
	dup := w.ns + "-" + s.name + "-ffffffffff"
	_, err := as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String(dup), ImageId: aws.String(images[0]), InstanceType: aws.String(instanceTypes[0])})
	must(t, err)
	leak := "s9999"
	w.used = append(w.used, leak)
	_, err = as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(leak), LaunchConfigurationName: aws.String(dup),
		MinSize: aws.Int32(0), MaxSize: aws.Int32(0), AvailabilityZones: zones[:1],
		Tags: []astypes.Tag{{Key: aws.String(ec2v1alpha1.OwnerTagKey), Value: aws.String(w.ownerTag(leak))}},
	})
	must(t, err)
	gone := s.name + "-" + w.ns + "-" + s.name + "-upper"
	_, err = cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{gone}})
	must(t, err)

	r, err := w.compare(ctx, cw)
	must(t, err)
	for what, list := range map[string][]string{"duplicate " + dup: r.duplicates, "leak " + leak: r.leaks, "missing " + gone: r.missing} {
		name := what[strings.Index(what, " ")+1:]
		if !slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, name) }) {
			t.Errorf("the checker missed the planted %s (it reported %v)", what, list)
		}
	}
}

// awsClients talk to the emulator directly, as someone acting behind the operator's back.
func awsClients(env *harness.Env) (*autoscaling.Client, *cloudwatch.Client) {
	creds := credentials.NewStaticCredentialsProvider("soak", "soak", "")
	as := autoscaling.New(autoscaling.Options{Region: harness.Region, BaseEndpoint: aws.String(env.EmulatorURL), Credentials: creds})
	cw := cloudwatch.New(cloudwatch.Options{Region: harness.Region, BaseEndpoint: aws.String(env.EmulatorURL), Credentials: creds})
	return as, cw
}
