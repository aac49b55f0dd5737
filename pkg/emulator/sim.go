package emulator

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// simTick is the simulation's heartbeat: alarms are evaluated on every 10-second boundary (the
// shortest high-resolution alarm period) and instances report CPUUtilization every minute.
const (
	simTick      = 10 * time.Second
	metricPeriod = time.Minute
)

// advanceTo runs the simulation from e.simTime to now, event by event: instance transitions at
// their exact times and, in regions with something to simulate, every 10-second boundary. Regions
// with no instances and no alarms are skipped entirely, so a clock jumping by days costs nothing
// there. Callers hold e.mu. It reports whether anything happened.
func (e *Emulator) advanceTo(now time.Time) bool {
	now = now.UTC()
	if !now.After(e.simTime) {
		return false
	}
	regions := e.sortedRegions()
	var ticking []*regionState
	for _, rs := range regions {
		if e.needsTicks(rs) {
			ticking = append(ticking, rs)
		}
	}
	changed := false
	for {
		next, ok := e.nextTransition()
		if len(ticking) > 0 {
			if b := e.simTime.Truncate(simTick).Add(simTick); !ok || b.Before(next) {
				next, ok = b, true
			}
		}
		if !ok || next.After(now) {
			break
		}
		if next.Before(e.simTime) {
			next = e.simTime // a transition already due (clock set backwards and forwards again)
		}
		e.simTime = next
		e.step(regions, ticking, next)
		changed = true
	}
	e.simTime = now
	return changed
}

func (e *Emulator) sortedRegions() []*regionState {
	out := make([]*regionState, 0, len(e.regions))
	for _, rs := range e.regions {
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// needsTicks reports whether the region has anything that 10-second boundaries act on: instances
// to sample, refreshes to move on, or alarms to evaluate.
func (e *Emulator) needsTicks(rs *regionState) bool {
	for _, g := range rs.as.Groups {
		if len(g.Instances) > 0 || g.activeRefresh() != nil {
			return true
		}
	}
	return regionHasAlarms(rs)
}

// nextTransition is the earliest time a Pending instance becomes InService or a Terminating one is
// gone, or a group whose launch failed tries again, in any region.
func (e *Emulator) nextTransition() (time.Time, bool) {
	var next time.Time
	found := false
	for _, rs := range e.regions {
		for _, g := range rs.as.Groups {
			// A group short of capacity after a failed launch needs a step when its pause ends,
			// even in a region with nothing else to simulate.
			if g.LaunchRetryAt.After(e.simTime) && !g.DeleteInProgress && g.liveCount() < g.DesiredCapacity &&
				(!found || g.LaunchRetryAt.Before(next)) {
				next, found = g.LaunchRetryAt, true
			}
			for _, in := range g.Instances {
				if in.LifecycleState == stateInService {
					continue
				}
				if !found || in.TransitionAt.Before(next) {
					next, found = in.TransitionAt, true
				}
			}
		}
	}
	return next, found
}

// step runs everything due at t: transitions, instance refreshes and capacity corrections in every
// region; and on 10-second boundaries, metrics (each minute) and alarm evaluation in ticking regions.
func (e *Emulator) step(regions, ticking []*regionState, t time.Time) {
	for _, rs := range regions {
		rs.ec2.prune(t)
		for _, g := range rs.sortedGroups() {
			for _, in := range append([]*instance(nil), g.Instances...) {
				if in.LifecycleState != stateInService && !in.TransitionAt.After(t) {
					e.transition(rs, g, in, in.TransitionAt)
				}
			}
			if g.DeleteInProgress {
				continue
			}
			e.stepLoadBalancers(g)
			e.stepRefresh(rs, g, t)
			e.reconcile(rs, g, t, "", 0)
		}
	}
	if !t.Equal(t.Truncate(simTick)) {
		return
	}
	for _, rs := range ticking {
		if t.Equal(t.Truncate(metricPeriod)) {
			e.recordMetrics(rs, t)
		}
		e.stepCloudWatch(rs, t)
	}
}

// recordMetrics reports each InService instance's and each group's CPUUtilization at t, as EC2
// detailed monitoring does once a minute.
func (e *Emulator) recordMetrics(rs *regionState, t time.Time) {
	for _, g := range rs.sortedGroups() {
		load := e.groupLoad(rs, g.Name)
		inService := 0
		for _, in := range g.Instances {
			if in.LifecycleState == stateInService {
				inService++
				rs.cw.record("AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": in.ID}, load, "Percent", t)
			}
		}
		if inService > 0 {
			rs.cw.record("AWS/EC2", "CPUUtilization", map[string]string{"AutoScalingGroupName": g.Name}, load, "Percent", t)
		}
	}
}

func (e *Emulator) groupLoad(rs *regionState, group string) float64 {
	if v, ok := rs.as.Loads[group]; ok {
		return v
	}
	return e.opts.DefaultLoad
}

// SetGroupLoad sets the CPUUtilization (percent, clamped to 0..100) that the named group's
// instances report from now on. The group need not exist yet.
func (e *Emulator) SetGroupLoad(region, group string, cpuPercent float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.advanceTo(e.clock.Now())
	rs := e.region(region)
	if rs.as.Loads == nil {
		rs.as.Loads = map[string]float64{}
	}
	rs.as.Loads[group] = min(max(cpuPercent, 0), 100)
	e.markDirty()
}

// MarkUnhealthy simulates a failed EC2 health check on an instance (in any region): unless the
// group's HealthCheck process is suspended the instance turns Unhealthy, and unless ReplaceUnhealthy
// (or Terminate) is suspended it is terminated and replaced, as AWS does.
func (e *Emulator) MarkUnhealthy(instanceID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.advanceTo(now)
	for _, rs := range e.sortedRegions() {
		g, in := rs.findInstance(instanceID)
		if in == nil {
			continue
		}
		if g.suspended(procHealthCheck) || !in.live() {
			return nil
		}
		in.HealthStatus = healthUnhealthy
		in.UnhealthyCause = "an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped."
		e.reconcile(rs, g, e.simTime, "", 0)
		e.markDirty()
		return nil
	}
	return fmt.Errorf("instance %s is not in any Auto Scaling group of the emulator; list instances with DescribeAutoScalingInstances", instanceID)
}

// Step brings the simulation up to the clock's now without an API call. Requests do this
// themselves; tests that Advance a ManualClock and then inspect Snapshot call it, and Run calls it
// continuously for real-time servers.
func (e *Emulator) Step() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.advanceTo(e.clock.Now()) {
		e.markDirty()
	}
}

// runInterval is how often Run steps the simulation in real time. Each step catches up on
// everything due, so the interval only bounds how late an alarm action can be.
const runInterval = 200 * time.Millisecond

// Run steps the simulation in the background until ctx is done, so alarms fire and instances come
// InService with no requests arriving, and keeps the state file (if any) up to date: written at
// most every two seconds after a change, and once more when ctx ends. It returns the final save's
// error, if any.
func (e *Emulator) Run(ctx context.Context) error {
	ticker := time.NewTicker(runInterval)
	defer ticker.Stop()
	lastSave := time.Time{}
	pending := false
	for {
		select {
		case <-ctx.Done():
			if e.opts.StateFile == "" {
				return nil
			}
			return e.SaveState()
		case <-ticker.C:
			e.Step()
		case <-e.dirty:
			pending = true
		}
		if pending && e.opts.StateFile != "" && time.Since(lastSave) >= stateSaveInterval {
			if err := e.SaveState(); err != nil {
				e.log.Error("could not save the state file; will retry", "file", e.opts.StateFile, "err", err)
			}
			lastSave, pending = time.Now(), false
		}
	}
}

// markDirty wakes Run's saver; it never blocks.
func (e *Emulator) markDirty() {
	select {
	case e.dirty <- struct{}{}:
	default:
	}
}

// regionHasAlarms reports whether CloudWatch has alarms in the region that may need evaluating.
func regionHasAlarms(rs *regionState) bool { return len(rs.cw.Alarms) > 0 }
