package reliability

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// callWindow counts the AWS attempts the emulator received in one window.
type callWindow struct {
	name     string
	d        time.Duration
	calls    int64
	byAction map[string]int64
}

func (w callWindow) rate() float64 { return float64(w.calls) / w.d.Seconds() }

func (w callWindow) String() string {
	return fmt.Sprintf("%s: %d calls in %s (%.1f/s) %v", w.name, w.calls, w.d.Round(time.Second), w.rate(), w.byAction)
}

// measure counts the emulator's calls over d.
func measure(ctx context.Context, t *testing.T, name string, d time.Duration) callWindow {
	t.Helper()
	before := env.Emulator.Calls()
	start := time.Now()
	select {
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	case <-time.After(d):
	}
	after := env.Emulator.Calls()
	w := callWindow{name: name, d: time.Since(start), calls: totalCalls(after) - totalCalls(before), byAction: map[string]int64{}}
	for k, v := range after {
		if n := v - before[k]; n > 0 && !strings.Contains(k, ":") {
			w.byAction[k] = n
		}
	}
	return w
}

func reconciles(ctx context.Context, t *testing.T) float64 {
	t.Helper()
	m, err := env.Manager.ScrapeMetrics(ctx)
	must(t, err)
	var n float64
	for _, v := range m.SumBy("controller_runtime_reconcile_total", "controller") {
		n += v
	}
	return n
}

var stormDuration = flag.Duration("storm.duration", time.Minute,
	"how long TestThrottlingStorm throttles every AWS call; from 3m on it also checks that the call rate falls (make soak runs 4m)")

// TestThrottlingStorm throttles every AWS call under a fleet of Ready sets (for -storm.duration).
// The operator's call rate, measured from the emulator's own counters in 15-second windows, must
// stay bounded in every window and, in a storm of three minutes or more, fall: the last minute must
// see at most half the calls of the first. Afterwards it must come back to its steady state. No
// object may flap (Ready may go False once and come back once) or spin (reconciles stay bounded).
//
// The fall takes minutes because each failing call is first retried by the SDK (five attempts over
// up to ~15 s) before the workqueue's per-object backoff (1 s doubling to 5 min) adds up.
func TestThrottlingStorm(t *testing.T) {
	const sets = 8
	const objects = 3 * sets
	ctx := testContext(t, *stormDuration+8*time.Minute)
	ns := newNamespace(t)
	clearFaults(t)
	prefix := unique("storm")
	all := harness.NewSets(ns, prefix, sets, harness.SetTemplate{})
	must(t, harness.CreateObjects(ctx, k8s, all, 8))
	waitFleetReady(ctx, t, ns, prefix, objects, 2*time.Minute)
	t.Cleanup(func() {
		ctx := context.Background()
		_ = env.DeleteSets(ctx, ns, prefix)
		_ = poll(ctx, 2*time.Minute, func() error { return env.WaitGone(ctx, ns, prefix, time.Second) })
	})

	// Let creation settle, then take the steady state: periodic syncs only.
	time.Sleep(2 * syncPeriod)
	baseline := measure(ctx, t, "steady state before", 3*syncPeriod)
	rw := watchReady(t, ns)
	reconcilesBefore := reconciles(ctx, t)

	const window = 15 * time.Second
	callsBefore := env.Emulator.Calls()
	env.Emulator.Faults().Set("*", emulator.FaultRule{ErrorRate: 1, Code: "Throttling"})
	var storm []callWindow
	for at := time.Duration(0); at < *stormDuration; at += window {
		storm = append(storm, measure(ctx, t, fmt.Sprintf("storm %s-%s", at, at+window), window))
	}
	reconcilesStorm := reconciles(ctx, t) - reconcilesBefore
	calls := env.Emulator.Calls()
	env.Emulator.Faults().Clear()
	recovered := time.Now()

	waitFleetReady(ctx, t, ns, prefix, objects, 6*time.Minute)
	recovery := time.Since(recovered)
	time.Sleep(2 * syncPeriod)
	after := measure(ctx, t, "steady state after", 3*syncPeriod)

	t.Logf("%s", baseline)
	for _, w := range storm {
		t.Logf("%s", w)
	}
	minutes := stormDuration.Minutes()
	t.Logf("%d reconciles of %d objects in the storm (%.0f per object-minute); %d Throttling answers; Ready again %s after it ended",
		int(reconcilesStorm), objects, reconcilesStorm/objects/minutes, throttles(calls)-throttles(callsBefore), recovery.Round(time.Second))
	t.Logf("%s", after)

	// Without backoff, the client-side limit (20 calls/s per service) would let 40 attempts a
	// second through; 24 objects retrying every second with five attempts each would make 120.
	for _, w := range storm {
		if limit := 4.0; w.rate() > limit {
			t.Errorf("%s: more than %.0f calls/s under throttling", w, limit)
		}
	}
	if perMinute := len(storm) * int(window) / int(time.Minute); perMinute >= 3 {
		n := int(time.Minute / window)
		var first, last int64
		for i := range n {
			first += storm[i].calls
			last += storm[len(storm)-n+i].calls
		}
		if last*2 > first {
			t.Errorf("no backoff: %d calls in the storm's last minute against %d in its first", last, first)
		}
	}
	// LaunchConfigurations (served from the inventory) keep their sync period; the rest back off.
	if limit := (time.Minute.Seconds()/syncPeriod.Seconds() + 5) * objects * minutes; reconcilesStorm > limit {
		t.Errorf("%d reconciles during the storm for %d objects, want at most %.0f: a hot loop", int(reconcilesStorm), objects, limit)
	}
	// The slowest object waits out its last backoff (at most the workqueue's 5-minute cap).
	if recovery > 5*time.Minute+time.Minute {
		t.Errorf("the fleet took %s to be Ready after the storm", recovery)
	}
	if after.rate() > 3*baseline.rate()+1 {
		t.Errorf("the call rate did not come back to its steady state: %s, before the storm %s", after, baseline)
	}
	flapped := 0
	for obj, n := range rw.flips() {
		if n > 2 {
			flapped++
			t.Errorf("%s: Ready changed %d times", obj, n)
		}
	}
	if flapped > 0 || testing.Verbose() {
		t.Logf("Ready histories:\n%s", rw.summary())
	}
}

// throttles counts the Throttling answers in the emulator's counters.
func throttles(calls map[string]int64) int64 {
	var n int64
	for k, v := range calls {
		if len(k) > len(":Throttling") && k[len(k)-len(":Throttling"):] == ":Throttling" {
			n += v
		}
	}
	return n
}
