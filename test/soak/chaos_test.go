package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// createActions are the AWS calls that make something new. The chaos arms one at a time: the next
// successful call of that action kills the manager (SIGKILL) before the response leaves the
// emulator, so the manager never learns that AWS did it and its successor must find out.
var createActions = []string{"CreateLaunchConfiguration", "CreateAutoScalingGroup", "PutScalingPolicy", "PutMetricAlarm"}

// Fault shapes: about 10 % InternalFailure with 100-500 ms latency on every call, and bursts of
// mostly Throttling.
var (
	baseFaults  = emulator.FaultRule{ErrorRate: 0.10, Code: "InternalFailure", Latency: 100 * time.Millisecond, LatencyJitter: 400 * time.Millisecond}
	burstFaults = emulator.FaultRule{ErrorRate: 0.80, Code: "Throttling", Latency: 100 * time.Millisecond, LatencyJitter: 400 * time.Millisecond}
)

const (
	// minKillGap lets each incarnation of the manager work a little before the next kill.
	minKillGap = 3 * time.Second
	// minHookKillGap spaces the kills after a create, so the random kills get their turn.
	minHookKillGap = 10 * time.Second
)

// chaos injects faults into the emulator and kills and restarts the manager.
type chaos struct {
	env *harness.Env

	// mu serialises kills and restarts, and guards everything below.
	mu           sync.Mutex
	rng          *rand.Rand
	armed        atomic.Int32 // index into createActions
	lastKill     time.Time
	lastHookKill time.Time
	randomKills  int
	hookKills    map[string]int
	bursts       int

	wg sync.WaitGroup
}

func newChaos(env *harness.Env, rng *rand.Rand) *chaos {
	return &chaos{env: env, rng: rng, hookKills: map[string]int{}}
}

func (c *chaos) start(ctx context.Context) {
	c.env.Emulator.Faults().Set("*", baseFaults)
	c.env.Emulator.OnCall(c.onCall)
	c.wg.Add(3)
	go c.faultLoop(ctx)
	go c.killLoop(ctx)
	go c.restartLoop(ctx)
}

// stop ends the chaos (its context must be done): no more hooks, kills or faults.
func (c *chaos) stop() {
	c.wg.Wait()
	c.env.Emulator.OnCall(nil)
	c.env.Emulator.Faults().Clear()
}

func (c *chaos) randDuration(lo, hi time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return lo + time.Duration(c.rng.Int64N(int64(hi-lo)))
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func (c *chaos) faultLoop(ctx context.Context) {
	defer c.wg.Done()
	for sleep(ctx, c.randDuration(8*time.Second, 20*time.Second)) {
		c.env.Emulator.Faults().Set("*", burstFaults)
		c.mu.Lock()
		c.bursts++
		c.mu.Unlock()
		if !sleep(ctx, c.randDuration(2*time.Second, 6*time.Second)) {
			return
		}
		c.env.Emulator.Faults().Set("*", baseFaults)
	}
}

// killLoop kills the manager at random moments.
func (c *chaos) killLoop(ctx context.Context) {
	defer c.wg.Done()
	for sleep(ctx, c.randDuration(4*time.Second, 12*time.Second)) {
		c.mu.Lock()
		if c.env.Manager.Running() && time.Since(c.lastKill) >= minKillGap {
			_ = c.env.Manager.Kill()
			c.lastKill = time.Now()
			c.randomKills++
		}
		c.mu.Unlock()
	}
}

// onCall kills the manager right after the armed create succeeded in AWS (the emulator has not
// sent the response yet), then arms the next create action.
func (c *chaos) onCall(call emulator.Call) {
	if call.Code != "" || call.Action != createActions[c.armed.Load()] {
		return
	}
	if !c.mu.TryLock() {
		return // a kill or restart is under way
	}
	defer c.mu.Unlock()
	if time.Since(c.lastKill) < minKillGap || time.Since(c.lastHookKill) < minHookKillGap || !c.env.Manager.Running() {
		return
	}
	_ = c.env.Manager.Kill()
	c.lastKill, c.lastHookKill = time.Now(), time.Now()
	c.hookKills[call.Action]++
	c.armed.Store((c.armed.Load() + 1) % int32(len(createActions)))
}

// restartLoop starts the manager again after each kill, after a short random pause.
func (c *chaos) restartLoop(ctx context.Context) {
	defer c.wg.Done()
	for sleep(ctx, 200*time.Millisecond) {
		if c.env.Manager.Running() {
			continue
		}
		if !sleep(ctx, c.randDuration(0, 1500*time.Millisecond)) {
			return
		}
		c.mu.Lock()
		if !c.env.Manager.Running() {
			_ = c.env.Manager.Stop() // reap a process that died on its own
			_ = c.env.Manager.Start(ctx)
		}
		c.mu.Unlock()
	}
}

// ensureUp starts the manager if it is not running.
func (c *chaos) ensureUp(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.env.Manager.Running() {
		return nil
	}
	_ = c.env.Manager.Stop()
	return c.env.Manager.Start(ctx)
}

func (c *chaos) hookKillCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hookKillsLocked()
}

func (c *chaos) hookKillsLocked() int {
	n := 0
	for _, v := range c.hookKills {
		n += v
	}
	return n
}

// restarts is how often the manager was killed (and so started again).
func (c *chaos) restarts() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.randomKills + c.hookKillsLocked()
}

func (c *chaos) randomKillCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.randomKills
}

func (c *chaos) hookKillSummary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for _, a := range createActions {
		parts = append(parts, fmt.Sprintf("%s %d", a, c.hookKills[a]))
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; throttling bursts %d", c.bursts)
}
