package cloud

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// inventory is a per-region cache of one kind of AWS resource (groups, alarms, launch
// configurations, policies) that AWS can describe many at a time. It keeps the fleet's steady
// state far below one call per resource per sync:
//
//   - Requests that miss are queued, and one flusher turns the queue into batched describes
//     (batchSize keys a call). Callers that arrive while a batch is in flight queue for the next
//     one, so a thousand reconcilers asking at once cost a handful of calls (group commit), and a
//     short window before the first flush lets concurrent callers join it.
//   - Each batch is topped up to a whole number of calls with the keys that are due soonest
//     (older than half the age their callers accept, callers that asked longest ago first), so
//     one call refreshes a hundred entries and the reconcilers that come next find them fresh.
//   - A caller never joins a describe that started before it asked, so maxAge 0 means a read
//     that started after the call; writes invalidate the entry (a generation counter keeps a
//     describe that raced the write from storing what it saw before it).
//
// Entries not asked about for a while (retention) are forgotten.
type inventory[V any] struct {
	kind      string
	batchSize int
	window    time.Duration
	retention time.Duration
	now       func() time.Time
	// fetch describes keys (at most batchSize) and returns the ones that exist.
	fetch func(ctx context.Context, keys []string) (map[string]V, error)
	clone func(V) V
	// parallel bounds the concurrent describes of one flush.
	parallel int
	// log is the logger of batched describes: they serve many callers, so they log as none of them.
	log logr.Logger

	mu       sync.Mutex
	entries  map[string]*invEntry[V]
	pending  *invBatch[V]
	flushing bool
}

// flushTimeout bounds one batch, retries and rate-limit waits included.
const flushTimeout = 2 * time.Minute

type invEntry[V any] struct {
	val       V
	found     bool
	valid     bool
	fetched   time.Time
	lastAsked time.Time
	// maxAge is the age the last caller with a positive maxAge accepted; it decides when the
	// entry is due for a piggy-backed refresh.
	maxAge time.Duration
	gen    uint64
}

type invBatch[V any] struct {
	keys    []string
	set     map[string]bool
	ctx     context.Context
	done    chan struct{}
	results map[string]invResult[V] // written before done is closed, read-only after
}

type invResult[V any] struct {
	val   V
	found bool
	err   error
}

func newInventory[V any](kind string, batchSize int, now func() time.Time,
	fetch func(ctx context.Context, keys []string) (map[string]V, error), clone func(V) V) *inventory[V] {
	return &inventory[V]{
		kind:      kind,
		batchSize: batchSize,
		window:    5 * time.Millisecond,
		retention: 15 * time.Minute,
		now:       now,
		fetch:     fetch,
		clone:     clone,
		parallel:  4,
		log:       log.Log.WithName("aws-inventory").WithValues("kind", kind),
		entries:   map[string]*invEntry[V]{},
	}
}

// get returns the key's value and whether it exists, from the cache when the entry is at most
// maxAge old, else from a batched describe that starts after this call.
func (inv *inventory[V]) get(ctx context.Context, key string, maxAge time.Duration) (V, bool, error) {
	now := inv.now()
	inv.mu.Lock()
	v, found, b := inv.lookupLocked(ctx, key, maxAge, now)
	inv.mu.Unlock()
	if b == nil {
		return v, found, nil
	}

	select {
	case <-b.done:
	case <-ctx.Done():
		var zero V
		return zero, false, ctx.Err()
	}
	r := b.results[key]
	return inv.clone(r.val), r.found, r.err
}

// getAll is get for several keys that are needed together: those not served from the cache all
// join the same batch, so they cost one describe (per batchSize keys), not one each. A key that
// does not exist has the zero value.
func (inv *inventory[V]) getAll(ctx context.Context, keys []string, maxAge time.Duration) ([]V, []bool, error) {
	vals, found := make([]V, len(keys)), make([]bool, len(keys))
	misses := make([]int, 0, len(keys))
	var b *invBatch[V]
	now := inv.now()
	inv.mu.Lock()
	for i, key := range keys {
		var pending *invBatch[V]
		if vals[i], found[i], pending = inv.lookupLocked(ctx, key, maxAge, now); pending != nil {
			// Under one hold of the lock every key lands in the same pending batch.
			b = pending
			misses = append(misses, i)
		}
	}
	inv.mu.Unlock()
	if b != nil {
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	for _, i := range misses {
		r := b.results[keys[i]]
		if r.err != nil {
			return nil, nil, r.err
		}
		vals[i], found[i] = inv.clone(r.val), r.found
	}
	for i := range vals {
		if !found[i] {
			var zero V
			vals[i] = zero
		}
	}
	return vals, found, nil
}

// lookupLocked serves key from the cache when its entry is at most maxAge old; otherwise it
// queues the key and returns the batch that will answer it.
func (inv *inventory[V]) lookupLocked(ctx context.Context, key string, maxAge time.Duration, now time.Time) (V, bool, *invBatch[V]) {
	e := inv.entries[key]
	if e == nil {
		e = &invEntry[V]{}
		inv.entries[key] = e
	}
	e.lastAsked = now
	if maxAge > 0 {
		e.maxAge = maxAge
		if e.valid && now.Sub(e.fetched) <= maxAge {
			return inv.clone(e.val), e.found, nil
		}
	}
	var zero V
	return zero, false, inv.enqueueLocked(ctx, key)
}

func (inv *inventory[V]) enqueueLocked(ctx context.Context, key string) *invBatch[V] {
	b := inv.pending
	if b == nil {
		// The batch outlives any one caller and serves many: it takes neither the first caller's
		// cancellation nor its logger.
		b = &invBatch[V]{set: map[string]bool{}, ctx: log.IntoContext(context.Background(), inv.log), done: make(chan struct{})}
		inv.pending = b
	}
	if !b.set[key] {
		b.set[key] = true
		b.keys = append(b.keys, key)
	}
	if !inv.flushing {
		inv.flushing = true
		go inv.flushLoop()
	}
	return b
}

// flushLoop runs batches until none is pending. Only one runs per inventory.
func (inv *inventory[V]) flushLoop() {
	if inv.window > 0 {
		time.Sleep(inv.window)
	}
	for {
		inv.mu.Lock()
		b := inv.pending
		if b == nil {
			inv.flushing = false
			inv.mu.Unlock()
			return
		}
		inv.pending = nil
		keys := append(slices.Clone(b.keys), inv.dueLocked(b.set, inv.fill(len(b.keys)))...)
		gens := make(map[string]uint64, len(keys))
		for _, k := range keys {
			if e := inv.entries[k]; e != nil {
				gens[k] = e.gen
			}
		}
		inv.mu.Unlock()

		ctx, cancel := context.WithTimeout(b.ctx, flushTimeout)
		b.results = inv.fetchAll(ctx, keys, gens)
		cancel()
		close(b.done)
	}
}

// fill is how many keys fit in the last, partly filled call of a batch of n keys.
func (inv *inventory[V]) fill(n int) int {
	if r := n % inv.batchSize; r != 0 {
		return inv.batchSize - r
	}
	return 0
}

// dueLocked picks up to n keys, not in skip, that are worth refreshing now: asked about within
// the retention and invalid or older than half the age their callers accept; those whose callers
// asked longest ago (and so come back soonest) first.
// It also forgets entries nobody asked about within the retention.
func (inv *inventory[V]) dueLocked(skip map[string]bool, n int) []string {
	now := inv.now()
	type cand struct {
		key   string
		asked time.Time
	}
	var cands []cand
	for k, e := range inv.entries {
		if skip[k] {
			continue
		}
		if now.Sub(e.lastAsked) > max(inv.retention, 3*e.maxAge) {
			delete(inv.entries, k)
			continue
		}
		if n == 0 {
			continue
		}
		if !e.valid || now.Sub(e.fetched) >= e.maxAge/2 {
			cands = append(cands, cand{k, e.lastAsked})
		}
	}
	if n == 0 {
		return nil
	}
	// Callers come back about once a period, so the one that asked longest ago asks next.
	slices.SortFunc(cands, func(a, b cand) int { return a.asked.Compare(b.asked) })
	out := make([]string, 0, min(n, len(cands)))
	for i := 0; i < len(cands) && i < n; i++ {
		out = append(out, cands[i].key)
	}
	return out
}

// fetchAll describes keys in calls of batchSize, a few at a time, and stores what it learns.
func (inv *inventory[V]) fetchAll(ctx context.Context, keys []string, gens map[string]uint64) map[string]invResult[V] {
	results := make(map[string]invResult[V], len(keys))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, inv.parallel))
	for chunk := range slices.Chunk(keys, inv.batchSize) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := inv.now()
			found, err := inv.fetch(ctx, chunk)
			inv.mu.Lock()
			for _, k := range chunk {
				r := invResult[V]{err: err}
				if err == nil {
					r.val, r.found = found[k]
					if e := inv.entries[k]; e != nil && e.gen == gens[k] {
						e.val, e.found, e.valid, e.fetched = r.val, r.found, true, start
					}
				}
				results[k] = r
			}
			inv.mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}

// invalidate makes the next get of key describe it again. Call it after every write.
func (inv *inventory[V]) invalidate(key string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if e := inv.entries[key]; e != nil {
		e.valid = false
		e.gen++
	}
}

// invalidateIf invalidates every entry whose key matches.
func (inv *inventory[V]) invalidateIf(match func(key string) bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for k, e := range inv.entries {
		if match(k) {
			e.valid = false
			e.gen++
		}
	}
}

// set records what a write made true, so the next get needs no describe.
func (inv *inventory[V]) set(key string, val V, found bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	now := inv.now()
	e := inv.entries[key]
	if e == nil {
		e = &invEntry[V]{lastAsked: now}
		inv.entries[key] = e
	}
	e.val, e.found, e.valid, e.fetched = val, found, true, now
	e.gen++
}

// cached returns every valid entry at most maxAge old that exists, without any call, for callers
// that only need a hint (and check with AWS when the hint says nothing).
func (inv *inventory[V]) cached(maxAge time.Duration) []V {
	now := inv.now()
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var out []V
	for _, e := range inv.entries {
		if e.valid && e.found && now.Sub(e.fetched) <= maxAge {
			out = append(out, inv.clone(e.val))
		}
	}
	return out
}
