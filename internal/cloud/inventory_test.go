package cloud

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock for cache ages.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeSource is a describe over a set of existing keys that records every call.
type fakeSource struct {
	mu     sync.Mutex
	exists map[string]string
	calls  [][]string
	// gate, when set, blocks each call until it is closed or receives.
	gate    chan struct{}
	started chan []string
	err     error
}

func (f *fakeSource) fetch(ctx context.Context, keys []string) (map[string]string, error) {
	if f.started != nil {
		f.started <- slices.Clone(keys)
	}
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, slices.Clone(keys))
	if f.err != nil {
		return nil, f.err
	}
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := f.exists[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

func (f *fakeSource) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeSource) set(k, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exists[k] = v
}

func newTestInventory(src *fakeSource, clock *fakeClock, batch int) *inventory[string] {
	inv := newInventory("test", batch, clock.Now, src.fetch, func(s string) string { return s })
	inv.window = 30 * time.Millisecond
	return inv
}

func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("k%04d", i)
	}
	return out
}

func TestInventoryCoalescesConcurrentCallers(t *testing.T) {
	for _, n := range []int{1, 99, 100, 101, 250, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := &fakeSource{exists: map[string]string{}}
			for _, k := range keys(n) {
				src.exists[k] = "v" + k
			}
			src.exists["extra"] = "not asked"
			inv := newTestInventory(src, newFakeClock(), 100)
			var wg sync.WaitGroup
			var failures atomic.Int32
			for _, k := range keys(n) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					v, found, err := inv.get(context.Background(), k, time.Minute)
					if err != nil || !found || v != "v"+k {
						failures.Add(1)
					}
				}()
			}
			// Two callers for the same key and one for a missing key share the batch.
			for _, k := range []string{"k0000", "missing"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, found, err := inv.get(context.Background(), k, time.Minute)
					if err != nil || found != (k != "missing") {
						failures.Add(1)
					}
				}()
			}
			wg.Wait()
			if failures.Load() != 0 {
				t.Fatalf("%d callers got a wrong answer", failures.Load())
			}
			want := (n + 1 + 99) / 100 // n keys and "missing"
			if got := src.callCount(); got > want {
				t.Errorf("%d concurrent callers cost %d describes, want at most %d", n+2, got, want)
			}
			for _, c := range src.calls {
				if len(c) > 100 {
					t.Errorf("a describe of %d keys", len(c))
				}
			}
		})
	}
}

func TestInventoryServesFromCacheWithinMaxAge(t *testing.T) {
	src := &fakeSource{exists: map[string]string{"a": "1"}}
	clock := newFakeClock()
	inv := newTestInventory(src, clock, 100)
	inv.window = 0
	ctx := context.Background()

	if _, found, _ := inv.get(ctx, "a", time.Minute); !found {
		t.Fatal("a not found")
	}
	if _, found, _ := inv.get(ctx, "b", time.Minute); found {
		t.Fatal("b found")
	}
	calls := src.callCount()
	clock.Advance(59 * time.Second)
	src.set("a", "2")
	src.set("b", "new")
	if v, _, _ := inv.get(ctx, "a", time.Minute); v != "1" {
		t.Errorf("a = %q within maxAge, want the cached 1", v)
	}
	if _, found, _ := inv.get(ctx, "b", time.Minute); found {
		t.Errorf("negative answer not cached")
	}
	if src.callCount() != calls {
		t.Errorf("cached reads called AWS")
	}
	// A stricter caller gets a fresh read.
	if v, _, _ := inv.get(ctx, "a", 10*time.Second); v != "2" {
		t.Errorf("a = %q with a short maxAge", v)
	}
	// maxAge 0 always reads.
	before := src.callCount()
	for range 2 {
		if _, _, err := inv.get(ctx, "a", 0); err != nil {
			t.Fatal(err)
		}
	}
	if src.callCount() != before+2 {
		t.Errorf("maxAge 0 served from cache")
	}
	// A write invalidates; set records what a write made true.
	inv.invalidate("b")
	if _, found, _ := inv.get(ctx, "b", time.Hour); !found {
		t.Errorf("invalidated entry not read again")
	}
	inv.set("c", "written", true)
	n := src.callCount()
	if v, found, _ := inv.get(ctx, "c", time.Hour); !found || v != "written" || src.callCount() != n {
		t.Errorf("set entry: %q %v, calls %d→%d", v, found, n, src.callCount())
	}
	if got := inv.cached(time.Hour); len(got) != 3 {
		t.Errorf("cached() = %v", got)
	}
}

// Reconcilers asking one at a time still cost about one describe per hundred entries per period:
// each describe tops itself up with the entries that are due soonest.
func TestInventoryPiggybacksDueEntries(t *testing.T) {
	for _, maxAgeDiv := range []int{1, 2} {
		t.Run(fmt.Sprintf("maxAge=period/%d", maxAgeDiv), func(t *testing.T) { testPiggyback(t, maxAgeDiv) })
	}
}

// With jittered requeues (each reconciler returns 1 to 1.2 periods after its last visit, as
// controllers' RequeueAfter jitter does) the cost stays about one describe per hundred keys.
func TestInventoryPiggybackWithJitter(t *testing.T) {
	const n = 1000
	src := &fakeSource{exists: map[string]string{}}
	for _, k := range keys(n) {
		src.exists[k] = "v"
	}
	clock := newFakeClock()
	inv := newTestInventory(src, clock, 100)
	inv.window = 0
	ctx := context.Background()
	period := time.Minute
	rng := rand.New(rand.NewPCG(1, 2))
	start := clock.Now()
	next := make([]time.Time, n)
	for i := range next {
		next[i] = start.Add(time.Duration(rng.Int64N(int64(period))))
	}
	var counted int
	measureFrom := start.Add(3 * period)
	end := measureFrom.Add(5 * period)
	for {
		i := 0
		for j := range next {
			if next[j].Before(next[i]) {
				i = j
			}
		}
		if next[i].After(end) {
			break
		}
		clock.mu.Lock()
		clock.now = next[i]
		clock.mu.Unlock()
		before := src.callCount()
		if _, _, err := inv.get(ctx, keys(n)[i], period/2); err != nil {
			t.Fatal(err)
		}
		if next[i].After(measureFrom) {
			counted += src.callCount() - before
		}
		next[i] = next[i].Add(period + time.Duration(rng.Int64N(int64(period/5))))
	}
	perKey := float64(counted) / n / 5
	t.Logf("jittered steady state: %d describes over 5 periods for %d keys (%.4f a key a period)", counted, n, perKey)
	if perKey > 0.02 {
		t.Errorf("%.4f describes a key a period", perKey)
	}
}

func testPiggyback(t *testing.T, maxAgeDiv int) {
	const n = 1000
	src := &fakeSource{exists: map[string]string{}}
	for _, k := range keys(n) {
		src.exists[k] = "v"
	}
	clock := newFakeClock()
	inv := newTestInventory(src, clock, 100)
	inv.window = 0
	ctx := context.Background()
	period := time.Minute
	maxAge := period / time.Duration(maxAgeDiv)
	// Period 0: every reconciler asks once, spread over the period.
	for _, k := range keys(n) {
		if _, _, err := inv.get(ctx, k, maxAge); err != nil {
			t.Fatal(err)
		}
		clock.Advance(period / n)
	}
	first := src.callCount()
	t.Logf("first period (cold): %d describes for %d keys", first, n)
	// Steady state: each reconciler comes back one period (plus jitter) after its last visit.
	for p := range 5 {
		start := src.callCount()
		for i, k := range keys(n) {
			clock.Advance(period / n)
			if i%7 == 0 {
				clock.Advance(time.Millisecond) // jitter
			}
			if _, found, err := inv.get(ctx, k, maxAge); err != nil || !found {
				t.Fatalf("get %s: %v %v", k, found, err)
			}
		}
		calls := src.callCount() - start
		t.Logf("period %d: %d describes for %d keys (%.3f a key)", p+1, calls, n, float64(calls)/n)
		if calls > n/100+1 {
			t.Errorf("period %d: %d describes for %d keys, want about %d", p+1, calls, n, n/100)
		}
	}
}

func TestInventoryFreshReadNeverJoinsAnEarlierDescribe(t *testing.T) {
	src := &fakeSource{exists: map[string]string{"a": "old"}, gate: make(chan struct{}), started: make(chan []string, 10)}
	inv := newTestInventory(src, newFakeClock(), 100)
	inv.window = 0
	ctx := context.Background()

	first := make(chan string)
	go func() { v, _, _ := inv.get(ctx, "a", 0); first <- v }()
	<-src.started // the first describe is in flight
	src.set("a", "new")
	second := make(chan string)
	go func() { v, _, _ := inv.get(ctx, "a", 0); second <- v }()
	time.Sleep(20 * time.Millisecond)
	src.gate <- struct{}{} // finish the first describe
	if v := <-first; v != "new" && v != "old" {
		t.Errorf("first = %q", v)
	}
	<-src.started // the second caller got a describe of its own
	src.gate <- struct{}{}
	if v := <-second; v != "new" {
		t.Errorf("second = %q, want new", v)
	}
	if src.callCount() != 2 {
		t.Errorf("%d describes, want 2", src.callCount())
	}
}

func TestInventoryWriteDuringDescribeWins(t *testing.T) {
	src := &fakeSource{exists: map[string]string{"a": "before"}, gate: make(chan struct{}), started: make(chan []string, 10)}
	inv := newTestInventory(src, newFakeClock(), 100)
	inv.window = 0
	ctx := context.Background()
	done := make(chan error)
	go func() {
		_, _, err := inv.get(ctx, "a", time.Hour)
		done <- err
	}()
	<-src.started
	inv.invalidate("a") // a write lands while the describe is in flight
	close(src.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	src.set("a", "after")
	if v, _, _ := inv.get(ctx, "a", time.Hour); v != "after" {
		t.Errorf("a = %q: the describe that raced the write was cached", v)
	}
}

func TestInventoryErrorsAndCancellation(t *testing.T) {
	boom := errors.New("boom")
	src := &fakeSource{exists: map[string]string{"a": "1"}, err: boom}
	inv := newTestInventory(src, newFakeClock(), 100)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := inv.get(ctx, "a", time.Minute); !errors.Is(err, boom) {
				t.Errorf("err = %v", err)
			}
		}()
	}
	wg.Wait()
	src.mu.Lock()
	src.err = nil
	src.mu.Unlock()
	if v, found, err := inv.get(ctx, "a", time.Minute); err != nil || !found || v != "1" {
		t.Errorf("after the error: %q %v %v", v, found, err)
	}

	blocked := &fakeSource{exists: map[string]string{}, gate: make(chan struct{})}
	inv = newTestInventory(blocked, newFakeClock(), 100)
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, _, err := inv.get(cctx, "a", 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the caller's deadline", err)
	}
	close(blocked.gate)
}

func TestInventoryForgetsKeysNobodyAsksFor(t *testing.T) {
	src := &fakeSource{exists: map[string]string{"a": "1", "b": "2"}}
	clock := newFakeClock()
	inv := newTestInventory(src, clock, 100)
	inv.window = 0
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if _, _, err := inv.get(ctx, k, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(inv.retention + time.Minute)
	if _, _, err := inv.get(ctx, "b", time.Minute); err != nil { // the flush prunes a
		t.Fatal(err)
	}
	inv.mu.Lock()
	_, kept := inv.entries["a"]
	inv.mu.Unlock()
	if kept {
		t.Errorf("an entry nobody asked about for longer than the retention is kept")
	}
}
