package cloud

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// activityFeed keeps each watched group's recent scaling activities, fed by one account-wide
// DescribeScalingActivities poll per region instead of a call per group: in steady state the
// whole fleet costs about one call per poll interval.
//
// No activity may be lost between syncs. The argument:
//   - AWS lists activities newest first. Each poll pages until it reaches activities that started
//     before the newest start time any earlier poll saw, minus an overlap that absorbs AWS's
//     eventual consistency, so every activity that started since the previous poll is seen.
//   - An activity seen while in progress can finish after the poll has paged past it; polls
//     re-read such activities by ID (50 a call), only while some are in progress.
//   - A group's history from before it was watched comes from one per-group call (the seed),
//     made after a poll completed: everything older is in the seed, everything newer in the
//     polls. A group created after a completed poll needs no seed: all its activities are new.
//   - If a poll cannot page back far enough (more than maxPages of activity in one interval), the
//     feed forgets it has seeded anything, and groups are seeded again.
//   - If AWS refuses the account-wide form, the feed falls back to one call per group and read.
//
// Every answer says how fresh it is (asOf: when the newest poll or seed it reflects started, on
// our clock), so a caller that needs the history to include what it saw in a group describe can
// tell whether it does. While the provider runs (run), the feed also polls on its own every
// pollEvery as long as some group is watched, and tells notify which groups have news (a new
// activity, or a known one that changed): their objects are reconciled at once instead of at
// their next sync, so an activity nothing else announces (an unhealthy instance replaced, a
// scheduled or alarm-driven scaling) reaches status within one poll interval.
type activityFeed struct {
	as        AutoScalingAPI
	now       func() time.Time
	pollEvery time.Duration
	overlap   time.Duration
	maxPages  int
	retention time.Duration
	// log is the logger of polls, which serve every group and so log as none of them.
	log logr.Logger
	// notify, when set, is told after each poll which watched groups have news.
	notify func(groups []string)

	mu          sync.Mutex
	groups      map[string]*groupActivities
	polled      bool
	lastPoll    time.Time // our clock: when the last completed poll started
	highWater   time.Time // AWS's clock: the newest activity start time seen
	flight      *feedFlight
	accountWide bool
}

type groupActivities struct {
	acts   []Activity // newest first, at most activityBufferSize
	seeded bool
	// seededAt is when the seed started (our clock); zero for a group that needed none.
	seededAt  time.Time
	lastAsked time.Time
	// news is set when a poll changed acts, until notify is told.
	news bool
}

type feedFlight struct {
	done chan struct{}
	err  error
}

const (
	// activityBufferSize is the most a group keeps: the API's maximum activityHistoryLimit.
	activityBufferSize = 100
	// activityIDBatch is DescribeScalingActivities' limit on ActivityIds.
	activityIDBatch = 50
	activityPage    = 100
)

func newActivityFeed(as AutoScalingAPI, now func() time.Time, pollEvery time.Duration) *activityFeed {
	return &activityFeed{
		as:        as,
		now:       now,
		pollEvery: pollEvery,
		// AWS lists a new activity within seconds of its start time; 15 s of overlap absorbs
		// that without re-reading much in a busy account.
		overlap:     15 * time.Second,
		maxPages:    50,
		retention:   30 * time.Minute,
		groups:      map[string]*groupActivities{},
		accountWide: true,
		log:         log.Log.WithName("aws-activities"),
	}
}

// activities returns the group's activities that started or ended after since, or are still in
// progress (all when since is zero), newest first, at most limit (all kept when limit <= 0), and
// asOf: every activity AWS listed for the group before asOf (our clock) is accounted for.
func (f *activityFeed) activities(ctx context.Context, group string, since time.Time, limit int) ([]Activity, time.Time, error) {
	f.mu.Lock()
	g := f.trackLocked(group)
	accountWide := f.accountWide
	f.mu.Unlock()
	if !accountWide {
		return f.perGroup(ctx, group, since, limit)
	}

	if err := f.ensurePolled(ctx, f.pollEvery); err != nil {
		if !f.accountWideRefused(ctx, err) {
			return nil, time.Time{}, err
		}
		return f.perGroup(ctx, group, since, limit)
	}
	f.mu.Lock()
	seeded := g.seeded
	f.mu.Unlock()
	if !seeded {
		if err := f.seed(ctx, group, g); err != nil {
			return nil, time.Time{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	asOf := f.lastPoll
	if g.seededAt.After(asOf) {
		asOf = g.seededAt
	}
	return selectActivities(g.acts, since, limit), asOf, nil
}

// accountWideRefused switches to per-group reads when AWS rejects the account-wide describe as
// invalid (an old endpoint or another emulator may require a group name).
func (f *activityFeed) accountWideRefused(ctx context.Context, err error) bool {
	if ClassOf(err) != ClassTerminal {
		return false
	}
	log.FromContext(ctx).Info("account-wide DescribeScalingActivities refused; reading activities one group at a time", "error", err.Error())
	f.mu.Lock()
	f.accountWide = false
	f.mu.Unlock()
	return true
}

func (f *activityFeed) trackLocked(group string) *groupActivities {
	g := f.groups[group]
	if g == nil {
		g = &groupActivities{}
		f.groups[group] = g
	}
	g.lastAsked = f.now()
	return g
}

// selectActivities filters a newest-first list; it copies, so callers may keep the result.
func selectActivities(acts []Activity, since time.Time, limit int) []Activity {
	var out []Activity
	for i := range acts {
		a := &acts[i]
		if !since.IsZero() && !activityStart(a).After(since) &&
			(a.EndTime == nil || !a.EndTime.After(since)) && activityDone(a) {
			continue
		}
		out = append(out, *a.DeepCopy())
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}

// groupCreated tells the feed a group was just created. If a poll had completed before the
// create started, every activity of the group is in the polls to come and no seed is needed.
func (f *activityFeed) groupCreated(group string, polledBefore bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &groupActivities{seeded: polledBefore, lastAsked: f.now()}
	f.groups[group] = g
}

// forget drops a deleted group's activities (AWS stops listing them too).
func (f *activityFeed) forget(group string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.groups, group)
}

func (f *activityFeed) hasPolled() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polled && f.accountWide
}

// ensurePolled polls unless a poll started less than maxAge ago; concurrent callers share one poll.
func (f *activityFeed) ensurePolled(ctx context.Context, maxAge time.Duration) error {
	f.mu.Lock()
	if f.polled && f.now().Sub(f.lastPoll) < maxAge {
		f.mu.Unlock()
		return nil
	}
	fl := f.flight
	if fl == nil {
		fl = &feedFlight{done: make(chan struct{})}
		f.flight = fl
		pollCtx, cancel := context.WithTimeout(log.IntoContext(context.Background(), f.log), flushTimeout)
		go func() {
			defer cancel()
			fl.err = f.poll(pollCtx)
			f.mu.Lock()
			f.flight = nil
			f.mu.Unlock()
			close(fl.done)
		}()
	}
	f.mu.Unlock()
	select {
	case <-fl.done:
		return fl.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pollPages reads the account's newest activities, page by page, back to where the previous
// poll's newest one started (less the overlap), routing each to its watched group. It returns the
// newest start time seen, the IDs seen, and whether it reached back far enough.
func (f *activityFeed) pollPages(ctx context.Context) (newest time.Time, seen map[string]bool, complete bool, err error) {
	f.mu.Lock()
	first := !f.polled
	stopBefore := f.highWater.Add(-f.overlap)
	f.mu.Unlock()

	seen = map[string]bool{}
	var token *string
	for pages := 1; ; pages++ {
		out, err := f.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
			MaxRecords: aws.Int32(activityPage),
			NextToken:  token,
		})
		if err != nil {
			return newest, seen, false, wrapError("DescribeScalingActivities", err)
		}
		var oldest time.Time
		f.mu.Lock()
		for _, sa := range out.Activities {
			a := activityFromSDK(sa)
			seen[a.ActivityID] = true
			st := activityStart(&a)
			if st.After(newest) {
				newest = st
			}
			if oldest.IsZero() || st.Before(oldest) {
				oldest = st
			}
			f.routeLocked(aws.ToString(sa.AutoScalingGroupName), a)
		}
		f.mu.Unlock()
		if aws.ToString(out.NextToken) == "" {
			return newest, seen, true, nil
		}
		// The first poll only marks where the feed starts; seeds bring each group's past.
		if first || (len(out.Activities) > 0 && oldest.Before(stopBefore)) {
			return newest, seen, true, nil
		}
		if pages >= f.maxPages {
			return newest, seen, false, nil
		}
		token = out.NextToken
	}
}

func (f *activityFeed) poll(ctx context.Context) error {
	start := f.now()
	newest, seen, complete, err := f.pollPages(ctx)
	if err != nil {
		return err
	}

	if err := f.refreshInProgress(ctx, seen); err != nil {
		return err
	}

	f.mu.Lock()
	if !complete {
		log.FromContext(ctx).Info("scaling activities outran the account-wide poll; reading each group's history again",
			"pages", f.maxPages)
		for _, g := range f.groups {
			g.seeded = false
			g.news = true
		}
	}
	f.polled = true
	f.lastPoll = start
	if newest.After(f.highWater) {
		f.highWater = newest
	}
	var news []string
	for name, g := range f.groups {
		if f.now().Sub(g.lastAsked) > f.retention {
			delete(f.groups, name)
			continue
		}
		if g.news {
			news = append(news, name)
			g.news = false
		}
	}
	notify := f.notify
	f.mu.Unlock()
	if notify != nil && len(news) > 0 {
		slices.Sort(news)
		notify(news)
	}
	return nil
}

// run polls every pollEvery while some group is watched, so news reaches notify without anyone
// asking, until ctx ends. Reads share its polls (ensurePolled), so it adds no call while
// reconcilers keep the feed fresh themselves.
func (f *activityFeed) run(ctx context.Context) {
	t := time.NewTicker(f.pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f.mu.Lock()
		idle := len(f.groups) == 0 || !f.accountWide
		f.mu.Unlock()
		if idle {
			continue
		}
		// Slightly less than the interval, so a tick right after a read's poll does not skip a whole interval.
		if err := f.ensurePolled(ctx, f.pollEvery*9/10); err != nil && ctx.Err() == nil {
			if !f.accountWideRefused(log.IntoContext(ctx, f.log), err) {
				f.log.V(1).Info("background activity poll failed; the next tick retries", "error", err.Error())
			}
		}
	}
}

// refreshInProgress re-reads, by ID, the watched groups' in-progress activities the poll's pages
// did not reach.
func (f *activityFeed) refreshInProgress(ctx context.Context, seen map[string]bool) error {
	f.mu.Lock()
	var ids []string
	for _, g := range f.groups {
		for i := range g.acts {
			if a := &g.acts[i]; !activityDone(a) && !seen[a.ActivityID] {
				ids = append(ids, a.ActivityID)
			}
		}
	}
	f.mu.Unlock()
	slices.Sort(ids)
	for chunk := range slices.Chunk(slices.Compact(ids), activityIDBatch) {
		var token *string
		for {
			out, err := f.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
				ActivityIds: chunk,
				MaxRecords:  aws.Int32(activityPage),
				NextToken:   token,
			})
			if err != nil {
				return wrapError("DescribeScalingActivities", err)
			}
			f.mu.Lock()
			for _, sa := range out.Activities {
				f.routeLocked(aws.ToString(sa.AutoScalingGroupName), activityFromSDK(sa))
			}
			f.mu.Unlock()
			if token = out.NextToken; aws.ToString(token) == "" {
				break
			}
		}
	}
	return nil
}

// seed reads the group's own recent history once.
func (f *activityFeed) seed(ctx context.Context, group string, g *groupActivities) error {
	start := f.now()
	out, err := f.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
		AutoScalingGroupName: aws.String(group),
		MaxRecords:           aws.Int32(activityPage),
	})
	if err = wrapError("DescribeScalingActivities", err); err != nil && !IsNotFound(err) {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if out != nil {
		for _, sa := range out.Activities {
			mergeActivity(g, activityFromSDK(sa))
		}
	}
	g.seeded = true
	g.seededAt = start
	return nil
}

// perGroup is the fallback: one call per read, nothing kept.
func (f *activityFeed) perGroup(ctx context.Context, group string, since time.Time, limit int) ([]Activity, time.Time, error) {
	start := f.now()
	maxRecords := int32(activityPage)
	if limit > 0 && limit < activityPage {
		maxRecords = int32(limit)
	}
	out, err := f.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
		AutoScalingGroupName: aws.String(group),
		MaxRecords:           aws.Int32(maxRecords),
	})
	if err = wrapError("DescribeScalingActivities", err); err != nil {
		if IsNotFound(err) {
			return nil, start, nil
		}
		return nil, time.Time{}, err
	}
	g := &groupActivities{}
	for _, sa := range out.Activities {
		mergeActivity(g, activityFromSDK(sa))
	}
	return selectActivities(g.acts, since, limit), start, nil
}

func (f *activityFeed) routeLocked(group string, a Activity) {
	if g := f.groups[group]; g != nil && mergeActivity(g, a) {
		g.news = true
	}
}

// mergeActivity inserts or replaces a by ID, keeping the list newest first and bounded, and
// reports whether that changed anything.
func mergeActivity(g *groupActivities, a Activity) bool {
	if i := slices.IndexFunc(g.acts, func(b Activity) bool { return b.ActivityID == a.ActivityID }); i >= 0 {
		if equality.Semantic.DeepEqual(g.acts[i], a) {
			return false
		}
		g.acts[i] = a
		return true
	}
	g.acts = append(g.acts, a)
	slices.SortStableFunc(g.acts, compareActivities)
	if len(g.acts) > activityBufferSize {
		g.acts = g.acts[:activityBufferSize]
	}
	return true
}

// compareActivities orders newest first; equal start times by ID, so the order is stable.
func compareActivities(a, b Activity) int {
	if c := activityStart(&b).Compare(activityStart(&a)); c != 0 {
		return c
	}
	return strings.Compare(b.ActivityID, a.ActivityID)
}
