package emulator

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Scaling processes as AWS names them; suspending one stops the behaviour it names.
const (
	procLaunch            = "Launch"
	procTerminate         = "Terminate"
	procAddToLoadBalancer = "AddToLoadBalancer"
	procAlarmNotification = "AlarmNotification"
	procAZRebalance       = "AZRebalance"
	procHealthCheck       = "HealthCheck"
	procInstanceRefresh   = "InstanceRefresh"
	procReplaceUnhealthy  = "ReplaceUnhealthy"
	procScheduledActions  = "ScheduledActions"
)

var scalingProcesses = []string{procLaunch, procTerminate, procAddToLoadBalancer, procAlarmNotification,
	procAZRebalance, procHealthCheck, procInstanceRefresh, procReplaceUnhealthy, procScheduledActions}

func (g *asGroup) suspended(process string) bool {
	_, ok := g.Suspended[process]
	return ok
}

// liveCount is the group's capacity as AWS counts it: every instance not already terminating.
func (g *asGroup) liveCount() int {
	n := 0
	for _, in := range g.Instances {
		if in.live() {
			n++
		}
	}
	return n
}

// busy reports whether a launch or termination is still in progress; AWS treats that as a scaling
// activity in progress (HonorCooldown, DeleteAutoScalingGroup).
func (g *asGroup) busy() bool {
	for _, in := range g.Instances {
		if in.LifecycleState != stateInService {
			return true
		}
	}
	return false
}

// inCooldown is what HonorCooldown and simple scaling policies wait for: no activity in progress
// and the cooldown after the last one over.
func (g *asGroup) inCooldown(now time.Time) bool {
	return g.busy() || now.Before(g.CooldownUntil)
}

// zones are the group's Availability Zones in placement order.
func (g *asGroup) zones() []string { return g.AvailabilityZones }

// subnetZone maps a subnet to a zone of the region deterministically, so the same subnet always
// lands in the same zone (the emulator has no VPC to look it up in).
func subnetZone(region, subnet string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(subnet))
	return region + string(rune('a'+h.Sum32()%3))
}

// reconcile brings the group to its desired capacity as far as suspended processes and scale-in
// protection allow: it replaces unhealthy instances, launches or terminates the difference and
// rebalances zones. trigger is the first sentence of the resulting activities' Cause (for example
// "At ... a user request explicitly set group desired capacity changing the desired capacity from 2
// to 4."), "" for the emulator's own corrections; cooldown is the cooldown (seconds) the resulting
// scaling activities start when they complete.
func (e *Emulator) reconcile(rs *regionState, g *asGroup, now time.Time, trigger string, cooldown int) {
	if g.DeleteInProgress {
		return
	}
	if !g.suspended(procReplaceUnhealthy) && !g.suspended(procTerminate) {
		for _, in := range g.Instances {
			if in.live() && in.HealthStatus == healthUnhealthy {
				e.terminate(rs, g, in, now, fmt.Sprintf("At %s %s", isoSeconds(now), in.UnhealthyCause), 0)
			}
		}
	}

	live := g.liveCount()
	prefix := ""
	if trigger != "" {
		prefix = trigger + "  "
	}
	switch {
	case live < g.DesiredCapacity && !g.suspended(procLaunch) && !now.Before(g.LaunchRetryAt):
		cause := fmt.Sprintf("%sAt %s an instance was started in response to a difference between desired and actual capacity, increasing the capacity %s.",
			prefix, isoSeconds(now), fromTo(live, g.DesiredCapacity))
		room := e.opts.Limits.MaxInstances - regionInstances(rs)
		for i := live; i < g.DesiredCapacity; i++ {
			if room <= 0 {
				e.launchFailed(rs, g, now, cause, "You have requested more instances than your current instance limit allows.",
					fmt.Sprintf("You have requested more instances than your current instance limit of %d allows for the region. Launching EC2 instance failed.", e.opts.Limits.MaxInstances))
				break
			}
			if e.launch(rs, g, now, cause, cooldown) == nil {
				break
			}
			room--
		}
	case live > g.DesiredCapacity && !g.suspended(procTerminate):
		for i := g.DesiredCapacity; i < live; i++ {
			victim := e.pickForTermination(rs, g, now)
			if victim == nil {
				break // the rest are protected from scale in, as in AWS
			}
			cause := fmt.Sprintf("%sAt %s an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity %s.  At %s instance %s was selected for termination.",
				prefix, isoSeconds(now), fromTo(live, g.DesiredCapacity), isoSeconds(now), victim.ID)
			e.terminate(rs, g, victim, now, cause, cooldown)
		}
	case live == g.DesiredCapacity && trigger == "":
		e.rebalanceZones(rs, g, now)
	}
}

// launchRetryDelay is how long a group waits before launching again after a failed launch.
const launchRetryDelay = 5 * time.Minute

// launchFailed records a launch EC2 refused, as AWS reports it: a Failed activity whose
// description gives the reason and whose status message is EC2's, and a pause before the group
// tries again.
func (e *Emulator) launchFailed(rs *regionState, g *asGroup, now time.Time, cause, reason, statusMessage string) {
	a := e.addActivity(rs, g, now, "Launching a new EC2 instance.  Status Reason: "+reason, cause, activityDetails("", g.AvailabilityZones[0]), 0)
	a.StatusCode, a.Progress, a.End = activityFailed, 100, now
	a.StatusMessage = statusMessage
	g.LaunchRetryAt = now.Add(launchRetryDelay)
}

// regionInstances counts the region's instances that hold capacity (all but the terminated).
func regionInstances(rs *regionState) int {
	n := 0
	for _, g := range rs.as.Groups {
		n += len(g.Instances)
	}
	return n
}

// rebalanceZones launches one instance into the emptiest zone when the zones differ by more than
// one instance; the next reconcile then terminates from the fullest zone (the termination policies
// always start with the zone that has the most instances), as AWS's AZRebalance does.
func (e *Emulator) rebalanceZones(rs *regionState, g *asGroup, now time.Time) {
	if g.suspended(procAZRebalance) || g.suspended(procLaunch) || g.suspended(procTerminate) || g.busy() {
		return
	}
	counts := g.zoneCounts()
	least, most := -1, -1
	for _, z := range g.zones() {
		if least < 0 || counts[z] < least {
			least = counts[z]
		}
		if counts[z] > most {
			most = counts[z]
		}
	}
	if most-least > 1 {
		e.launch(rs, g, now, fmt.Sprintf("At %s an instance was launched to aid in balancing the group's zones.", isoSeconds(now)), 0)
	}
}

func (g *asGroup) zoneCounts() map[string]int {
	counts := map[string]int{}
	for _, in := range g.Instances {
		if in.live() {
			counts[in.AvailabilityZone]++
		}
	}
	return counts
}

// placement picks the zone with the fewest live instances (ties go to the first zone listed) and,
// for VPC groups, the least used subnet in it.
func (g *asGroup) placement(region string) (zone, subnet string) {
	counts := g.zoneCounts()
	for _, z := range g.zones() {
		if zone == "" || counts[z] < counts[zone] {
			zone = z
		}
	}
	if len(g.Subnets) == 0 {
		return zone, ""
	}
	used := map[string]int{}
	for _, in := range g.Instances {
		if in.live() {
			used[in.Subnet]++
		}
	}
	for _, s := range g.Subnets {
		if subnetZone(region, s) == zone && (subnet == "" || used[s] < used[subnet]) {
			subnet = s
		}
	}
	return zone, subnet
}

// launch starts one instance and records its launch activity. If EC2 refuses the launch (the
// group's launch template or its version is gone, or names an image that does not exist) it
// records the failed activity instead and returns nil.
func (e *Emulator) launch(rs *regionState, g *asGroup, now time.Time, cause string, cooldown int) *instance {
	src, failure := e.launchSource(rs, g)
	if failure != "" {
		msg := strings.TrimSuffix(failure, ".") + ". Launching EC2 instance failed."
		e.launchFailed(rs, g, now, cause, msg, msg)
		return nil
	}
	zone, subnet := g.placement(rs.name)
	in := &instance{
		ID:               "i-0" + randomHex(16),
		AvailabilityZone: zone,
		Subnet:           subnet,
		LifecycleState:   statePending,
		HealthStatus:     healthHealthy,
		Protected:        g.NewInstancesProtectedFromScaleIn,
		LaunchTime:       now,
		TransitionAt:     now.Add(e.opts.LaunchDelay),
	}
	in.InstanceType, in.ImageID = src.instanceType, src.imageID
	if src.template != nil {
		in.LaunchTemplate = src.template
	} else {
		in.LaunchConfigurationName = g.LaunchConfigurationName
	}
	a := e.addActivity(rs, g, now, "Launching a new EC2 instance: "+in.ID, cause, activityDetails(subnet, zone), cooldown)
	in.ActivityID = a.ID
	g.Instances = append(g.Instances, in)
	e.recordEC2Instance(rs, g, in, src)
	if e.opts.LaunchDelay <= 0 {
		e.transition(rs, g, in, now)
	}
	return in
}

// terminate starts terminating one instance and records the termination activity.
func (e *Emulator) terminate(rs *regionState, g *asGroup, in *instance, now time.Time, cause string, cooldown int) *activity {
	if in.LifecycleState == statePending {
		// It did launch; AWS completes the launch activity even when the instance goes right away.
		e.finishActivity(rs, in.ActivityID, now)
	}
	in.LifecycleState = stateTerminating
	in.TransitionAt = now.Add(e.opts.TerminationDelay)
	a := e.addActivity(rs, g, now, "Terminating EC2 instance: "+in.ID, cause, activityDetails(in.Subnet, in.AvailabilityZone), cooldown)
	in.ActivityID = a.ID
	for _, r := range g.Refreshes {
		r.Old = remove(r.Old, in.ID)
	}
	if e.opts.TerminationDelay <= 0 {
		e.transition(rs, g, in, now)
	}
	return a
}

// transition completes a Pending instance's launch or a Terminating instance's termination at t.
func (e *Emulator) transition(rs *regionState, g *asGroup, in *instance, t time.Time) {
	a := e.finishActivity(rs, in.ActivityID, t)
	if a != nil && a.Cooldown > 0 {
		if until := t.Add(time.Duration(a.Cooldown) * time.Second); until.After(g.CooldownUntil) {
			g.CooldownUntil = until
		}
	}
	switch in.LifecycleState {
	case statePending:
		in.LifecycleState = stateInService
	case stateTerminating:
		g.Instances = removeInstance(g.Instances, in)
		rs.ec2.ec2Terminated(in.ID, t)
		if g.DeleteInProgress && len(g.Instances) == 0 {
			e.removeGroup(rs, g)
		}
	}
}

// removeGroup forgets a deleted group; its activities stay for IncludeDeletedGroups.
func (e *Emulator) removeGroup(rs *regionState, g *asGroup) {
	delete(rs.as.Groups, g.Name)
	for _, a := range rs.as.Activities {
		if a.GroupARN == g.ARN {
			a.GroupDeleted = true
		}
	}
}

func removeInstance(list []*instance, in *instance) []*instance {
	out := list[:0]
	for _, x := range list {
		if x != in {
			out = append(out, x)
		}
	}
	return out
}

func remove(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// activityDetails is the Details JSON AWS attaches to launch and termination activities.
func activityDetails(subnet, zone string) string {
	var b strings.Builder
	b.WriteByte('{')
	if subnet != "" {
		b.WriteString(`"Subnet ID":`)
		b.WriteString(jsonString(subnet))
		b.WriteByte(',')
	}
	b.WriteString(`"Availability Zone":`)
	b.WriteString(jsonString(zone))
	b.WriteByte('}')
	return b.String()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (e *Emulator) addActivity(rs *regionState, g *asGroup, now time.Time, description, cause, details string, cooldown int) *activity {
	a := &activity{
		ID:          uuid(),
		GroupName:   g.Name,
		GroupARN:    g.ARN,
		Description: description,
		Cause:       truncate(cause, 1000),
		Start:       now,
		StatusCode:  activityInProgress,
		Details:     details,
		Cooldown:    cooldown,
	}
	rs.as.Activities = append(rs.as.Activities, a)
	return a
}

// finishActivity marks an in-progress activity Successful at t and returns it (nil if unknown).
// Activities are found from the end: the ones still in progress are the recent ones.
func (e *Emulator) finishActivity(rs *regionState, id string, t time.Time) *activity {
	for i := len(rs.as.Activities) - 1; i >= 0; i-- {
		a := rs.as.Activities[i]
		if a.ID != id {
			continue
		}
		if a.StatusCode == activityInProgress {
			a.StatusCode, a.Progress, a.End = activitySuccessful, 100, t
		}
		return a
	}
	return nil
}

// Termination policies AWS accepts besides Lambda function ARNs.
var terminationPolicyTypes = []string{"AllocationStrategy", "ClosestToNextInstanceHour", "Default",
	"NewestInstance", "OldestInstance", "OldestLaunchConfiguration", "OldestLaunchTemplate"}

// pickForTermination chooses the instance to terminate on scale in, as AWS does: only instances not
// protected from scale in; first the zone with the most instances, then each termination policy in
// order narrows the candidates; remaining ties go to the oldest instance.
func (e *Emulator) pickForTermination(rs *regionState, g *asGroup, now time.Time) *instance {
	var candidates []*instance
	for _, in := range g.Instances {
		if in.live() && !in.Protected {
			candidates = append(candidates, in)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	counts := g.zoneCounts()
	candidates = keepBest(candidates, func(in *instance) float64 { return float64(counts[in.AvailabilityZone]) })

	for _, policy := range g.TerminationPolicies {
		switch policy {
		case "OldestInstance":
			candidates = keepBest(candidates, func(in *instance) float64 { return -float64(in.LaunchTime.UnixNano()) })
		case "NewestInstance":
			candidates = keepBest(candidates, func(in *instance) float64 { return float64(in.LaunchTime.UnixNano()) })
		case "OldestLaunchConfiguration":
			candidates = keepBest(candidates, e.launchConfigAge(rs, g))
		case "OldestLaunchTemplate":
			candidates = keepBest(candidates, launchTemplateAge(rs, g))
		case "ClosestToNextInstanceHour":
			candidates = keepBest(candidates, closestToHour(now))
		case "Default":
			// AWS's Default is oldest launch configuration or template, then closest to the next
			// billing hour, then random. Per-second billing made the hour meaningless, so the
			// emulator goes to the oldest instance (the tie-break below): deterministic for tests.
			if g.LaunchTemplate != nil {
				candidates = keepBest(candidates, launchTemplateAge(rs, g))
			} else {
				candidates = keepBest(candidates, e.launchConfigAge(rs, g))
			}
		}
	}
	oldest := candidates[0]
	for _, in := range candidates[1:] {
		if in.LaunchTime.Before(oldest.LaunchTime) || (in.LaunchTime.Equal(oldest.LaunchTime) && in.ID < oldest.ID) {
			oldest = in
		}
	}
	return oldest
}

// keepBest keeps the candidates with the highest score.
func keepBest(candidates []*instance, score func(*instance) float64) []*instance {
	var best []*instance
	var top float64
	for _, in := range candidates {
		s := score(in)
		switch {
		case len(best) == 0 || s > top:
			best, top = []*instance{in}, s
		case s == top:
			best = append(best, in)
		}
	}
	return best
}

// launchConfigAge scores instances by how old their launch configuration is: instances without one
// (deleted, or launched from a template) score as oldest.
func (e *Emulator) launchConfigAge(rs *regionState, g *asGroup) func(*instance) float64 {
	return func(in *instance) float64 {
		lc, ok := rs.as.LaunchConfigs[in.LaunchConfigurationName]
		if !ok || in.LaunchConfigurationName == "" {
			return 0
		}
		if in.LaunchConfigurationName == g.LaunchConfigurationName {
			return -float64(1 << 62) // the current configuration goes last
		}
		return -float64(lc.Created.UnixNano())
	}
}

// launchTemplateAge scores instances of a group that uses a launch template as AWS orders them for
// termination: instances launched from a launch configuration first, then from another template,
// then from the oldest versions of the group's template. In a group that uses a launch
// configuration it scores every instance alike.
func launchTemplateAge(_ *regionState, g *asGroup) func(*instance) float64 {
	return func(in *instance) float64 {
		switch {
		case g.LaunchTemplate == nil:
			return 0
		case in.LaunchTemplate == nil:
			return 1 << 62
		case in.LaunchTemplate.LaunchTemplateID != g.LaunchTemplate.LaunchTemplateID:
			return 1 << 61
		}
		n, _ := parseVersionNumber(in.LaunchTemplate.Version)
		return -float64(n)
	}
}

// closestToHour prefers the instance closest to its next billing hour.
func closestToHour(now time.Time) func(*instance) float64 {
	return func(in *instance) float64 {
		used := now.Sub(in.LaunchTime) % time.Hour
		return float64(used)
	}
}
