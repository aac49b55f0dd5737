package cloud

import (
	"context"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// Pure diff functions: desired state (API types) against what AWS reports (normalised by the
// conversions), producing only the calls that change something. An unchanged group plans nothing.

// groupPlan is the set of writes that bring a group to its spec. The zero plan writes nothing.
type groupPlan struct {
	// update carries only the fields that differ; nil when no scalar field differs.
	update              *autoscaling.UpdateAutoScalingGroupInput
	putTags             []ec2v1alpha1.Tag
	deleteTags          []string
	attachLoadBalancers []string
	detachLoadBalancers []string
	attachTargetGroups  []string
	detachTargetGroups  []string
	suspendProcesses    []string
	resumeProcesses     []string
	changedFields       []string // for the log line and tests
}

func (p *groupPlan) empty() bool {
	return p.update == nil && len(p.putTags) == 0 && len(p.deleteTags) == 0 &&
		len(p.attachLoadBalancers) == 0 && len(p.detachLoadBalancers) == 0 &&
		len(p.attachTargetGroups) == 0 && len(p.detachTargetGroups) == 0 &&
		len(p.suspendProcesses) == 0 && len(p.resumeProcesses) == 0
}

// planGroupUpdate compares the spec with the group AWS reports.
//
// A pointer left nil in the spec (healthCheckGracePeriod, defaultCooldown, maxInstanceLifetime,
// newInstancesProtectedFromScaleIn, capacityRebalance, desiredCapacity) is not managed: AWS's
// value, whatever it is, stands. Lists AWS treats as sets are compared as sets. Zones are compared
// only when the spec gives zones and no subnets, because AWS derives a VPC group's zones from its
// subnets. Subnets are compared only when the spec gives some (a group cannot leave its VPC).
// An empty terminationPolicies means ["Default"] and an empty healthCheckType means EC2, as in
// AWS. Tags under reserved prefixes (the owner tag, aws:) are outside the diff.
func planGroupUpdate(in *GroupInput, cur *Group) groupPlan {
	spec := in.Spec
	var p groupPlan
	changed := func(field string) { p.changedFields = append(p.changedFields, field) }

	upd := &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(in.Name)}
	subnets, zones := normalizedSet(spec.VPCZoneIdentifier), normalizedSet(spec.AvailabilityZones)
	hc := orDefault(spec.HealthCheckType, defaultHealthCheckType)
	tp := terminationPolicies(spec.TerminationPolicies)
	for _, f := range []struct {
		name    string
		differs bool
		set     func()
	}{
		{"LaunchConfigurationName", in.LaunchConfigurationName != "" && in.LaunchConfigurationName != cur.LaunchConfigurationName,
			func() { upd.LaunchConfigurationName = aws.String(in.LaunchConfigurationName) }},
		{"MinSize", spec.MinSize != cur.MinSize, func() { upd.MinSize = aws.Int32(spec.MinSize) }},
		{"MaxSize", spec.MaxSize != cur.MaxSize, func() { upd.MaxSize = aws.Int32(spec.MaxSize) }},
		{"DesiredCapacity", differs(spec.DesiredCapacity, cur.DesiredCapacity),
			func() { upd.DesiredCapacity = aws.Int32(*spec.DesiredCapacity) }},
		{"VPCZoneIdentifier", len(subnets) > 0 && !slices.Equal(subnets, normalizedSet(cur.VPCZoneIdentifier)),
			func() { upd.VPCZoneIdentifier = joinZoneIdentifier(subnets) }},
		{"AvailabilityZones", len(zones) > 0 && len(subnets) == 0 && !slices.Equal(zones, normalizedSet(cur.AvailabilityZones)),
			func() { upd.AvailabilityZones = zones }},
		{"HealthCheckType", hc != orDefault(cur.HealthCheckType, defaultHealthCheckType),
			func() { upd.HealthCheckType = aws.String(hc) }},
		{"HealthCheckGracePeriod", differs(spec.HealthCheckGracePeriod, cur.HealthCheckGracePeriod),
			func() { upd.HealthCheckGracePeriod = aws.Int32(*spec.HealthCheckGracePeriod) }},
		{"DefaultCooldown", differs(spec.DefaultCooldown, cur.DefaultCooldown),
			func() { upd.DefaultCooldown = aws.Int32(*spec.DefaultCooldown) }},
		{"TerminationPolicies", !slices.Equal(tp, terminationPolicies(cur.TerminationPolicies)),
			func() { upd.TerminationPolicies = tp }},
		{"MaxInstanceLifetime", differs(spec.MaxInstanceLifetime, cur.MaxInstanceLifetime),
			func() { upd.MaxInstanceLifetime = aws.Int32(*spec.MaxInstanceLifetime) }},
		{"NewInstancesProtectedFromScaleIn", differs(spec.NewInstancesProtectedFromScaleIn, cur.NewInstancesProtectedFromScaleIn),
			func() { upd.NewInstancesProtectedFromScaleIn = aws.Bool(*spec.NewInstancesProtectedFromScaleIn) }},
		{"CapacityRebalance", differs(spec.CapacityRebalance, cur.CapacityRebalance),
			func() { upd.CapacityRebalance = aws.Bool(*spec.CapacityRebalance) }},
	} {
		if f.differs {
			f.set()
			changed(f.name)
		}
	}
	if len(p.changedFields) > 0 {
		p.update = upd
	}

	p.putTags, p.deleteTags = diffTags(spec.Tags, cur.Tags)
	if len(p.putTags)+len(p.deleteTags) > 0 {
		changed("Tags")
	}
	p.attachLoadBalancers, p.detachLoadBalancers = diffSets(spec.LoadBalancerNames, cur.LoadBalancerNames)
	if len(p.attachLoadBalancers)+len(p.detachLoadBalancers) > 0 {
		changed("LoadBalancerNames")
	}
	p.attachTargetGroups, p.detachTargetGroups = diffSets(spec.TargetGroupARNs, cur.TargetGroupARNs)
	if len(p.attachTargetGroups)+len(p.detachTargetGroups) > 0 {
		changed("TargetGroupARNs")
	}
	p.suspendProcesses, p.resumeProcesses = diffSets(spec.SuspendedProcesses, cur.SuspendedProcesses)
	if len(p.suspendProcesses)+len(p.resumeProcesses) > 0 {
		changed("SuspendedProcesses")
	}
	return p
}

// differs says whether a field the spec may leave unset is set and differs from AWS's value.
func differs[T comparable](want *T, have T) bool {
	return want != nil && *want != have
}

// groupWrite is one call of a group update; op names it in errors.
type groupWrite struct {
	op   string
	call func(context.Context) error
}

// writes are the calls that carry out the plan, in the order they run: the fields, the tags,
// then load balancers, target groups and processes, each taking away before adding.
// Attachments go attachBatch a call, the most AWS takes.
func (p *groupPlan) writes(as AutoScalingAPI, group string) []groupWrite {
	name := aws.String(group)
	var out []groupWrite
	add := func(op string, call func(context.Context) error) { out = append(out, groupWrite{op, call}) }
	if p.update != nil {
		add("UpdateAutoScalingGroup", sdkCall(as.UpdateAutoScalingGroup, p.update))
	}
	if len(p.putTags) > 0 {
		add("CreateOrUpdateTags", sdkCall(as.CreateOrUpdateTags, &autoscaling.CreateOrUpdateTagsInput{Tags: sdkTags(group, p.putTags)}))
	}
	if len(p.deleteTags) > 0 {
		add("DeleteTags", sdkCall(as.DeleteTags, &autoscaling.DeleteTagsInput{Tags: sdkTagKeys(group, p.deleteTags)}))
	}
	for c := range slices.Chunk(p.detachLoadBalancers, attachBatch) {
		add("DetachLoadBalancers", sdkCall(as.DetachLoadBalancers, &autoscaling.DetachLoadBalancersInput{AutoScalingGroupName: name, LoadBalancerNames: c}))
	}
	for c := range slices.Chunk(p.attachLoadBalancers, attachBatch) {
		add("AttachLoadBalancers", sdkCall(as.AttachLoadBalancers, &autoscaling.AttachLoadBalancersInput{AutoScalingGroupName: name, LoadBalancerNames: c}))
	}
	for c := range slices.Chunk(p.detachTargetGroups, attachBatch) {
		add("DetachLoadBalancerTargetGroups", sdkCall(as.DetachLoadBalancerTargetGroups, &autoscaling.DetachLoadBalancerTargetGroupsInput{AutoScalingGroupName: name, TargetGroupARNs: c}))
	}
	for c := range slices.Chunk(p.attachTargetGroups, attachBatch) {
		add("AttachLoadBalancerTargetGroups", sdkCall(as.AttachLoadBalancerTargetGroups, &autoscaling.AttachLoadBalancerTargetGroupsInput{AutoScalingGroupName: name, TargetGroupARNs: c}))
	}
	if len(p.resumeProcesses) > 0 {
		add("ResumeProcesses", sdkCall(as.ResumeProcesses, &autoscaling.ResumeProcessesInput{AutoScalingGroupName: name, ScalingProcesses: p.resumeProcesses}))
	}
	if len(p.suspendProcesses) > 0 {
		add("SuspendProcesses", sdkCall(as.SuspendProcesses, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: name, ScalingProcesses: p.suspendProcesses}))
	}
	return out
}

// sdkCall binds an SDK method to its input; the writes of an update need only the error.
func sdkCall[In, Out any](method func(context.Context, In, ...func(*autoscaling.Options)) (Out, error), in In) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := method(ctx, in)
		return err
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// terminationPolicies keeps the order (it is a priority list) and fills AWS's default.
func terminationPolicies(tp []string) []string {
	if len(tp) == 0 {
		return []string{defaultTerminationPolicy}
	}
	return slices.Clone(tp)
}

// diffSets returns what to add to cur and what to remove from it so it equals want, both sorted.
func diffSets(want, cur []string) (add, remove []string) {
	w, c := normalizedSet(want), normalizedSet(cur)
	for _, s := range w {
		if _, found := slices.BinarySearch(c, s); !found {
			add = append(add, s)
		}
	}
	for _, s := range c {
		if _, found := slices.BinarySearch(w, s); !found {
			remove = append(remove, s)
		}
	}
	return add, remove
}

// diffTags compares the user's tags (reserved keys excluded on both sides): put the new and
// changed ones, delete the keys AWS has and the spec does not. Both sorted by key.
func diffTags(want []ec2v1alpha1.Tag, cur []ec2v1alpha1.Tag) (put []ec2v1alpha1.Tag, del []string) {
	have := map[string]ec2v1alpha1.Tag{}
	for _, t := range cur {
		if !isReservedTag(t.Key) {
			have[t.Key] = t
		}
	}
	wanted := map[string]bool{}
	for _, t := range userTags(want) {
		wanted[t.Key] = true
		if h, ok := have[t.Key]; !ok || h.Value != t.Value || h.PropagateAtLaunch != t.PropagateAtLaunch {
			put = append(put, t)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if !wanted[k] {
			del = append(del, k)
		}
	}
	return put, del
}

// sdkTagKeys are DeleteTags' argument: key and resource suffice.
func sdkTagKeys(group string, keys []string) []astypes.Tag {
	out := make([]astypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, astypes.Tag{ResourceId: aws.String(group), ResourceType: aws.String(groupResourceType), Key: aws.String(k)})
	}
	return out
}

// policyUpToDate reports whether the policy AWS holds already is the SimpleScaling policy in
// describes, so PutPolicy can skip the write.
func policyUpToDate(in *PolicyInput, cur *Policy) bool {
	if cur == nil || in == nil {
		return false
	}
	want := policyFromInput(in, cur.ARN)
	if cur.PolicyType != want.PolicyType || cur.AdjustmentType != want.AdjustmentType ||
		cur.ScalingAdjustment != want.ScalingAdjustment || !cur.Enabled {
		return false
	}
	if !equalInt32Ptr(cur.Cooldown, want.Cooldown) {
		return false
	}
	// AWS accepts a minimum magnitude only for percent adjustments, so compare it only there.
	if want.AdjustmentType == AdjustmentPercentChangeInCapacity && !equalInt32Ptr(cur.MinAdjustmentMagnitude, want.MinAdjustmentMagnitude) {
		return false
	}
	return true
}

func equalInt32Ptr(a, b *int32) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// alarmUpToDate reports whether the alarm CloudWatch holds already matches in (the owner tag
// aside, which is not part of the alarm's definition), so PutMetricAlarm can be skipped.
func alarmUpToDate(in *AlarmInput, cur *Alarm) bool {
	if cur == nil || in == nil {
		return false
	}
	unit := func(u string) string {
		if u == "None" {
			return ""
		}
		return u
	}
	return cur.ActionsEnabled &&
		cur.Namespace == in.Namespace &&
		cur.MetricName == in.MetricName &&
		cur.Statistic == in.Statistic &&
		unit(cur.Unit) == unit(in.Unit) &&
		cur.Period == in.Period &&
		cur.EvaluationPeriods == in.EvaluationPeriods &&
		cur.Threshold == in.Threshold &&
		cur.ComparisonOperator == in.ComparisonOperator &&
		maps.Equal(nonNilMap(cur.Dimensions), nonNilMap(in.Dimensions)) &&
		slices.Equal(normalizedSet(cur.AlarmActions), normalizedSet(in.AlarmActions))
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
