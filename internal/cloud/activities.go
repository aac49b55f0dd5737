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
type activityFeed struct {
	as        AutoScalingAPI
	now       func() time.Time
	pollEvery time.Duration
	overlap   time.Duration
	maxPages  int
	retention time.Duration
	// log is the logger of polls, which serve every group and so log as none of them.
	log logr.Logger

	mu          sync.Mutex
	groups      map[string]*groupActivities
	polled      bool
	lastPoll    time.Time // our clock: when the last completed poll started
	highWater   time.Time // AWS's clock: the newest activity start time seen
	flight      *feedFlight
	accountWide bool
}

type groupActivities struct {
	acts      []Activity // newest first, at most activityBufferSize
	seeded    bool
	lastAsked time.Time
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
// progress (all when since is zero), newest first, at most limit (all kept when limit <= 0).
func (f *activityFeed) activities(ctx context.Context, group string, since time.Time, limit int) ([]Activity, error) {
	f.mu.Lock()
	g := f.trackLocked(group)
	accountWide := f.accountWide
	f.mu.Unlock()
	if !accountWide {
		return f.perGroup(ctx, group, since, limit)
	}

	if err := f.ensurePolled(ctx, f.pollEvery); err != nil {
		if !f.accountWideRefused(ctx, err) {
			return nil, err
		}
		return f.perGroup(ctx, group, since, limit)
	}
	f.mu.Lock()
	seeded := g.seeded
	f.mu.Unlock()
	if !seeded {
		if err := f.seed(ctx, group, g); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return selectActivities(g.acts, since, limit), nil
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

func (f *activityFeed) poll(ctx context.Context) error {
	start := f.now()
	f.mu.Lock()
	first := !f.polled
	stopBefore := f.highWater.Add(-f.overlap)
	f.mu.Unlock()

	var newest time.Time
	seen := map[string]bool{}
	complete := false
	var token *string
	for pages := 1; ; pages++ {
		out, err := f.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
			MaxRecords: aws.Int32(activityPage),
			NextToken:  token,
		})
		if err != nil {
			return wrapError("DescribeScalingActivities", err)
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
			complete = true
			break
		}
		// The first poll only marks where the feed starts; seeds bring each group's past.
		if first || (len(out.Activities) > 0 && oldest.Before(stopBefore)) {
			complete = true
			break
		}
		if pages >= f.maxPages {
			break
		}
		token = out.NextToken
	}

	if err := f.refreshInProgress(ctx, seen); err != nil {
		return err
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if !complete {
		log.FromContext(ctx).Info("scaling activities outran the account-wide poll; reading each group's history again",
			"pages", f.maxPages)
		for _, g := range f.groups {
			g.seeded = false
		}
	}
	f.polled = true
	f.lastPoll = start
	if newest.After(f.highWater) {
		f.highWater = newest
	}
	for name, g := range f.groups {
		if f.now().Sub(g.lastAsked) > f.retention {
			delete(f.groups, name)
		}
	}
	return nil
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
	return nil
}

// perGroup is the fallback: one call per read, nothing kept.
func (f *activityFeed) perGroup(ctx context.Context, group string, since time.Time, limit int) ([]Activity, error) {
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
			return nil, nil
		}
		return nil, err
	}
	g := &groupActivities{}
	for _, sa := range out.Activities {
		mergeActivity(g, activityFromSDK(sa))
	}
	return selectActivities(g.acts, since, limit), nil
}

func (f *activityFeed) routeLocked(group string, a Activity) {
	if g := f.groups[group]; g != nil {
		mergeActivity(g, a)
	}
}

// mergeActivity inserts or replaces a by ID, keeping the list newest first and bounded.
func mergeActivity(g *groupActivities, a Activity) {
	if i := slices.IndexFunc(g.acts, func(b Activity) bool { return b.ActivityID == a.ActivityID }); i >= 0 {
		g.acts[i] = a
		return
	}
	g.acts = append(g.acts, a)
	slices.SortStableFunc(g.acts, compareActivities)
	if len(g.acts) > activityBufferSize {
		g.acts = g.acts[:activityBufferSize]
	}
}

// compareActivities orders newest first; equal start times by ID, so the order is stable.
func compareActivities(a, b Activity) int {
	if c := activityStart(&b).Compare(activityStart(&a)); c != 0 {
		return c
	}
	return strings.Compare(b.ActivityID, a.ActivityID)
}
