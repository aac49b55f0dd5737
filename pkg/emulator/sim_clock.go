package emulator

import (
	"sync"
	"time"
)

// Clock is the emulator's only source of "now". Tests drive a ManualClock so that launches,
// cooldowns and alarms happen exactly when the test says, never on wall-clock luck.
type Clock interface{ Now() time.Time }

// ManualClock only moves when told to.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t.UTC()} }

func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d. The emulator catches up on the next request (or the next
// Run tick, or an explicit Emulator.Step), so a test can jump an hour and see an hour's effects.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t. Moving it backwards is allowed but the simulation never runs backwards:
// it simply waits until time passes its last step again.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC()
}

// ScaledClock runs Scale times faster than the wall clock from Start, so a demo sees a 5-minute
// alarm period pass in 30 seconds with --time-scale 10.
type ScaledClock struct {
	Start time.Time
	Scale float64
	wall  time.Time
}

// NewScaledClock starts a clock at start that runs scale times faster than real time.
func NewScaledClock(start time.Time, scale float64) *ScaledClock {
	return &ScaledClock{Start: start.UTC(), Scale: scale, wall: time.Now()}
}

func (c *ScaledClock) Now() time.Time {
	elapsed := time.Since(c.wall)
	return c.Start.Add(time.Duration(float64(elapsed) * c.Scale))
}

// realClock is the default: wall time in UTC, as AWS reports it.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }
