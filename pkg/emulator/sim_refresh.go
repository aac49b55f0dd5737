package emulator

import (
	"fmt"
	"slices"
	"time"
)

// activeRefresh is the group's instance refresh that is Pending or InProgress, if any.
func (g *asGroup) activeRefresh() *instanceRefresh {
	for _, r := range g.Refreshes {
		if r.Status == refreshPending || r.Status == refreshInProgress {
			return r
		}
	}
	return nil
}

// stepRefresh moves the group's active instance refresh on, as AWS's rolling replacement does:
// terminate a batch of old instances (as many as MinHealthyPercentage allows, at least one), let
// the group launch their replacements, wait until those are InService and warmed up, repeat.
// A suspended InstanceRefresh (or Launch) process pauses it.
func (e *Emulator) stepRefresh(rs *regionState, g *asGroup, now time.Time) {
	r := g.activeRefresh()
	if r == nil || g.suspended(procInstanceRefresh) {
		return
	}
	if r.Status == refreshPending {
		r.Status = refreshInProgress
		r.StatusReason = ""
	}
	if len(r.Batch) > 0 {
		if !e.batchWarm(g, r, now) {
			return
		}
		r.Done += r.BatchSize
		r.Batch, r.BatchSize, r.BatchReadyAt = nil, 0, time.Time{}
	}
	r.InstancesToUpdate = r.Total - r.Done
	if len(r.Old) == 0 {
		r.Status, r.End, r.Done, r.InstancesToUpdate = refreshSuccessful, now, r.Total, 0
		r.StatusReason = ""
		return
	}
	if g.busy() || g.suspended(procLaunch) || g.suspended(procTerminate) {
		return
	}

	size := g.DesiredCapacity * (100 - r.MinHealthyPercentage) / 100
	size = max(1, min(size, len(r.Old)))
	before := map[string]bool{}
	for _, in := range g.Instances {
		before[in.ID] = true
	}
	batch := slices.Clone(r.Old[:size])
	r.Old = slices.Clone(r.Old[size:])
	r.BatchSize = size
	for _, id := range batch {
		_, in := rs.findInstance(id)
		if in == nil || !in.live() {
			continue
		}
		cause := fmt.Sprintf("At %s an instance was taken out of service in response to an instance refresh.  At %s instance %s was selected for termination.",
			isoSeconds(now), isoSeconds(now), id)
		e.terminate(rs, g, in, now, cause, 0)
	}
	e.reconcile(rs, g, now, "", 0)
	for _, in := range g.Instances {
		if !before[in.ID] {
			r.Batch = append(r.Batch, in.ID)
		}
	}
	if len(r.Batch) == 0 {
		// Nothing launched (the group is shrinking, or the batch was already gone): the batch is
		// done as soon as its terminations are.
		r.Done += r.BatchSize
		r.BatchSize = 0
	}
	r.StatusReason = fmt.Sprintf("Waiting for instances to warm up before continuing. For example: %s is warming up.", firstOr(r.Batch, "a replacement instance"))
}

// batchWarm reports whether the current batch's replacements are InService and past the warmup.
func (e *Emulator) batchWarm(g *asGroup, r *instanceRefresh, now time.Time) bool {
	for _, id := range r.Batch {
		for _, in := range g.Instances {
			if in.ID == id && in.LifecycleState == statePending {
				return false
			}
		}
	}
	if r.BatchReadyAt.IsZero() {
		r.BatchReadyAt = now.Add(time.Duration(r.InstanceWarmup) * time.Second)
	}
	return !now.Before(r.BatchReadyAt)
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}
