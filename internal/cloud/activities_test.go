package cloud

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/smithy-go"
)

// fakeActivityAPI answers DescribeScalingActivities like AWS: newest first, group and ID filters,
// MaxRecords pages. Other methods are not implemented.
type fakeActivityAPI struct {
	AutoScalingAPI
	mu                sync.Mutex
	acts              map[string]*astypes.Activity
	refuseAccountWide bool
	accountCalls      int
	groupCalls        int
	idCalls           int
}

func newFakeActivityAPI() *fakeActivityAPI {
	return &fakeActivityAPI{acts: map[string]*astypes.Activity{}}
}

func (f *fakeActivityAPI) add(group, id string, start time.Time, status astypes.ScalingActivityStatusCode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acts[id] = &astypes.Activity{
		ActivityId: aws.String(id), AutoScalingGroupName: aws.String(group), StartTime: aws.Time(start),
		StatusCode: status, Cause: aws.String("test"),
	}
}

func (f *fakeActivityAPI) finish(id string, end time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.acts[id]
	a.StatusCode = astypes.ScalingActivityStatusCodeSuccessful
	a.EndTime = aws.Time(end)
	a.Progress = aws.Int32(100)
}

func (f *fakeActivityAPI) sorted(keep func(*astypes.Activity) bool) []astypes.Activity {
	var out []astypes.Activity
	for _, a := range f.acts {
		if keep(a) {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b astypes.Activity) int {
		if c := b.StartTime.Compare(*a.StartTime); c != 0 {
			return c
		}
		return strings.Compare(*b.ActivityId, *a.ActivityId)
	})
	return out
}

func (f *fakeActivityAPI) DescribeScalingActivities(_ context.Context, in *autoscaling.DescribeScalingActivitiesInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeScalingActivitiesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	group := aws.ToString(in.AutoScalingGroupName)
	switch {
	case len(in.ActivityIds) > 0:
		f.idCalls++
	case group != "":
		f.groupCalls++
	default:
		f.accountCalls++
		if f.refuseAccountWide {
			return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "AutoScalingGroupName is required"}
		}
	}
	if len(in.ActivityIds) > 50 {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "too many ActivityIds"}
	}
	all := f.sorted(func(a *astypes.Activity) bool {
		return (group == "" || *a.AutoScalingGroupName == group) &&
			(len(in.ActivityIds) == 0 || slices.Contains(in.ActivityIds, *a.ActivityId))
	})
	off, _ := strconv.Atoi(aws.ToString(in.NextToken))
	size := int(aws.ToInt32(in.MaxRecords))
	if size == 0 {
		size = 100
	}
	end := min(off+size, len(all))
	out := &autoscaling.DescribeScalingActivitiesOutput{Activities: all[off:end]}
	if end < len(all) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// truth is what ScalingActivities must return for the group: its newest 100, current statuses.
func (f *fakeActivityAPI) truth(group string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.sorted(func(a *astypes.Activity) bool { return *a.AutoScalingGroupName == group }) {
		out = append(out, *a.ActivityId+"/"+string(a.StatusCode))
		if len(out) == activityBufferSize {
			break
		}
	}
	return out
}

func summarize(acts []Activity) []string {
	var out []string
	for _, a := range acts {
		out = append(out, a.ActivityID+"/"+a.StatusCode)
	}
	return out
}

// TestActivityFeedLosesNothing runs a random fleet: activities arrive in trickles and in bursts
// (beyond what one poll pages through), long activities finish after the poll paged past them,
// groups start being watched at different times, some created after a poll. After every round
// each watched group must see exactly its newest activities with their current status.
func TestActivityFeedLosesNothing(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			api := newFakeActivityAPI()
			clock := newFakeClock()
			feed := newActivityFeed(api, clock.Now, 10*time.Second)
			feed.overlap = 2 * time.Second
			feed.maxPages = 5
			ctx := context.Background()

			const groups = 20
			name := func(i int) string { return fmt.Sprintf("g%02d", i) }
			// Groups 0-9 exist from the start with history; 10-19 are created during the run.
			created := map[int]bool{}
			sim := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			next := 0
			newActivity := func(g int, inProgress bool) {
				sim = sim.Add(time.Duration(1+rng.IntN(3)) * time.Millisecond)
				status := astypes.ScalingActivityStatusCodeSuccessful
				if inProgress {
					status = astypes.ScalingActivityStatusCodeInProgress
				}
				api.add(name(g), fmt.Sprintf("a%06d", next), sim, status)
				next++
			}
			for i := range 10 {
				for range rng.IntN(150) {
					newActivity(i, rng.IntN(10) == 0)
				}
			}
			var inProgress []string
			for round := range 60 {
				// Some groups come into existence; the service tells the feed.
				if g := 10 + round/3; round%3 == 0 && g < groups {
					feed.groupCreated(name(g), feed.hasPolled())
					created[g] = true
				}
				// New activities: usually a trickle, sometimes a burst.
				n := rng.IntN(30)
				switch rng.IntN(10) {
				case 0:
					n = 300 + rng.IntN(600) // more than maxPages pages
				case 1:
					n = 150
				}
				for range n {
					g := rng.IntN(groups)
					if g >= 10 && !created[g] {
						continue
					}
					ip := rng.IntN(5) == 0
					newActivity(g, ip)
					if ip {
						inProgress = append(inProgress, fmt.Sprintf("a%06d", next-1))
					}
				}
				// Some long-running activities end.
				for i := 0; i < len(inProgress); {
					if rng.IntN(4) == 0 {
						api.finish(inProgress[i], sim)
						inProgress = slices.Delete(inProgress, i, i+1)
						continue
					}
					i++
				}
				sim = sim.Add(10 * time.Second)
				clock.Advance(11 * time.Second)

				// Groups start being watched over time; every watched group reads each round.
				for g := range groups {
					if g < 10 && g > round {
						continue
					}
					if g >= 10 && !created[g] {
						continue
					}
					got, _, err := feed.activities(ctx, name(g), time.Time{}, 0)
					if err != nil {
						t.Fatalf("round %d %s: %v", round, name(g), err)
					}
					if want := api.truth(name(g)); !slices.Equal(summarize(got), want) {
						t.Fatalf("round %d %s:\n got %v\nwant %v", round, name(g), summarize(got), want)
					}
				}
			}
			t.Logf("calls: account-wide %d, per group %d, by ID %d", api.accountCalls, api.groupCalls, api.idCalls)
		})
	}
}

func TestActivityFeedSteadyStateCost(t *testing.T) {
	api := newFakeActivityAPI()
	clock := newFakeClock()
	feed := newActivityFeed(api, clock.Now, 10*time.Second)
	ctx := context.Background()
	const groups = 1000
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range groups {
		api.add(fmt.Sprintf("g%04d", i), fmt.Sprintf("a%04d", i), start.Add(time.Duration(i)*time.Second), astypes.ScalingActivityStatusCodeSuccessful)
	}
	// Startup: existing groups each need their history once.
	for i := range groups {
		if _, _, err := feed.activities(ctx, fmt.Sprintf("g%04d", i), time.Time{}, 10); err != nil {
			t.Fatal(err)
		}
	}
	if api.groupCalls != groups || api.accountCalls != 1 {
		t.Errorf("startup: %d per-group and %d account-wide calls", api.groupCalls, api.accountCalls)
	}
	// Five sync periods of 60 s, every group reading once per period, nothing happening.
	api.accountCalls, api.groupCalls = 0, 0
	for range 5 {
		for i := range groups {
			clock.Advance(time.Minute / groups)
			acts, _, err := feed.activities(ctx, fmt.Sprintf("g%04d", i), time.Time{}, 10)
			if err != nil || len(acts) != 1 {
				t.Fatalf("g%04d: %v %v", i, acts, err)
			}
		}
	}
	perGroupPerPeriod := float64(api.accountCalls+api.groupCalls+api.idCalls) / groups / 5
	t.Logf("steady state: %d account-wide calls over 5 periods for %d groups: %.4f calls per group per period",
		api.accountCalls, groups, perGroupPerPeriod)
	if api.groupCalls != 0 || api.accountCalls > 5*6+1 {
		t.Errorf("steady state: %d account-wide, %d per-group calls", api.accountCalls, api.groupCalls)
	}
}

func TestActivityFeedNewGroupNeedsNoSeed(t *testing.T) {
	api := newFakeActivityAPI()
	clock := newFakeClock()
	feed := newActivityFeed(api, clock.Now, time.Second)
	ctx := context.Background()
	if err := feed.ensurePolled(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	feed.groupCreated("new", feed.hasPolled())
	api.add("new", "a1", time.Now(), astypes.ScalingActivityStatusCodeInProgress)
	clock.Advance(2 * time.Second)
	got, _, err := feed.activities(ctx, "new", time.Time{}, 10)
	if err != nil || len(got) != 1 || api.groupCalls != 0 {
		t.Errorf("got %v, %v, with %d per-group calls", got, err, api.groupCalls)
	}
	// since filters, but keeps what is still in progress.
	later := time.Now().Add(time.Hour)
	if got, _, _ := feed.activities(ctx, "new", later, 10); len(got) != 1 {
		t.Errorf("an in-progress activity was filtered by since")
	}
	api.finish("a1", time.Now())
	clock.Advance(2 * time.Second)
	if got, _, _ := feed.activities(ctx, "new", later, 10); len(got) != 0 {
		t.Errorf("a finished old activity passed since: %v", got)
	}
	if got, _, _ := feed.activities(ctx, "new", time.Time{}, 10); len(got) != 1 || got[0].StatusCode != "Successful" {
		t.Errorf("the finished activity: %v", got)
	}
}

func TestActivityFeedFallsBackToPerGroup(t *testing.T) {
	api := newFakeActivityAPI()
	api.refuseAccountWide = true
	api.add("g", "a1", time.Now(), astypes.ScalingActivityStatusCodeSuccessful)
	api.add("g", "a2", time.Now().Add(time.Second), astypes.ScalingActivityStatusCodeSuccessful)
	api.add("h", "b1", time.Now(), astypes.ScalingActivityStatusCodeSuccessful)
	feed := newActivityFeed(api, newFakeClock().Now, time.Second)
	for range 2 {
		got, _, err := feed.activities(context.Background(), "g", time.Time{}, 1)
		if err != nil || !slices.Equal(summarize(got), []string{"a2/Successful"}) {
			t.Fatalf("got %v, %v", summarize(got), err)
		}
	}
	if api.accountCalls != 1 || api.groupCalls != 2 {
		t.Errorf("account-wide %d, per group %d", api.accountCalls, api.groupCalls)
	}
}

// TestActivityFeedAsOf checks the freshness an answer claims: every activity AWS listed for the
// group before asOf is in the answer, whether it came from an account-wide poll or a seed.
func TestActivityFeedAsOf(t *testing.T) {
	api := newFakeActivityAPI()
	clock := newFakeClock()
	feed := newActivityFeed(api, clock.Now, 10*time.Second)
	ctx := context.Background()
	api.add("old", "a1", clock.Now(), astypes.ScalingActivityStatusCodeSuccessful)

	// An old group is seeded after the first poll: its answer is as fresh as the seed.
	pollAt := clock.Now()
	clock.Advance(time.Second)
	if err := feed.ensurePolled(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, asOf, err := feed.activities(ctx, "old", time.Time{}, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("old: %v %v", summarize(got), err)
	}
	if !asOf.After(pollAt) {
		t.Errorf("seeded answer claims %v, not after the poll at %v", asOf, pollAt)
	}

	// A group created after a poll: nothing listed after the poll is claimed before the next one.
	feed.groupCreated("new", feed.hasPolled())
	clock.Advance(time.Second)
	created := clock.Now()
	api.add("new", "b1", created, astypes.ScalingActivityStatusCodeInProgress)
	_, asOf, err = feed.activities(ctx, "new", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !asOf.Before(created) {
		t.Fatalf("answer from a poll before the activity claims %v, after it (%v)", asOf, created)
	}
	clock.Advance(11 * time.Second)
	got, asOf, err = feed.activities(ctx, "new", time.Time{}, 0)
	if err != nil || !slices.Equal(summarize(got), []string{"b1/InProgress"}) || asOf.Before(created) {
		t.Errorf("after the next poll: %v as of %v (activity at %v), %v", summarize(got), asOf, created, err)
	}
}

// TestActivityFeedNews checks that a poll tells notify about every watched group whose
// activities changed (new ones, a status change), once per change, and about no other group.
func TestActivityFeedNews(t *testing.T) {
	api := newFakeActivityAPI()
	clock := newFakeClock()
	feed := newActivityFeed(api, clock.Now, 10*time.Second)
	var mu sync.Mutex
	var told []string
	feed.notify = func(groups []string) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, groups...)
	}
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(told)
		told = nil
		return out
	}
	ctx := context.Background()
	poll := func() {
		t.Helper()
		clock.Advance(11 * time.Second)
		if err := feed.ensurePolled(ctx, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := feed.ensurePolled(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	feed.groupCreated("a", true)
	feed.groupCreated("b", true)
	take()

	api.add("a", "a1", clock.Now(), astypes.ScalingActivityStatusCodeInProgress)
	api.add("unwatched", "u1", clock.Now(), astypes.ScalingActivityStatusCodeSuccessful)
	poll()
	if got := take(); !slices.Equal(got, []string{"a"}) {
		t.Errorf("new activity: told %v, want [a]", got)
	}
	poll()
	if got := take(); len(got) != 0 {
		t.Errorf("nothing changed: told %v", got)
	}
	api.finish("a1", clock.Now())
	api.add("b", "b1", clock.Now(), astypes.ScalingActivityStatusCodeSuccessful)
	poll()
	if got := take(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("a finished, b new: told %v, want [a b]", got)
	}
}

// TestActivityFeedRunsOnItsOwn checks that, while running, the feed polls without being read and
// reports news, and stops when its context ends.
func TestActivityFeedRunsOnItsOwn(t *testing.T) {
	api := newFakeActivityAPI()
	feed := newActivityFeed(api, time.Now, 20*time.Millisecond)
	news := make(chan []string, 100)
	feed.notify = func(groups []string) { news <- groups }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		feed.run(ctx)
		close(done)
	}()
	if err := feed.ensurePolled(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	feed.groupCreated("g", true)
	api.add("g", "g1", time.Now(), astypes.ScalingActivityStatusCodeSuccessful)
	select {
	case got := <-news:
		if !slices.Equal(got, []string{"g"}) {
			t.Errorf("told %v, want [g]", got)
		}
	case <-time.After(time.Minute):
		t.Fatal("the running feed never reported the new activity")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("run did not return after its context ended")
	}
}
