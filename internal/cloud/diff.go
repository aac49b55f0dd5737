package cloud

import (
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
	upd := &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(in.Name)}
	changed := func(field string) { p.changedFields = append(p.changedFields, field) }

	if in.LaunchConfigurationName != "" && in.LaunchConfigurationName != cur.LaunchConfigurationName {
		upd.LaunchConfigurationName = aws.String(in.LaunchConfigurationName)
		changed("LaunchConfigurationName")
	}
	if spec.MinSize != cur.MinSize {
		upd.MinSize = aws.Int32(spec.MinSize)
		changed("MinSize")
	}
	if spec.MaxSize != cur.MaxSize {
		upd.MaxSize = aws.Int32(spec.MaxSize)
		changed("MaxSize")
	}
	if spec.DesiredCapacity != nil && *spec.DesiredCapacity != cur.DesiredCapacity {
		upd.DesiredCapacity = aws.Int32(*spec.DesiredCapacity)
		changed("DesiredCapacity")
	}
	subnets := normalizedSet(spec.VPCZoneIdentifier)
	if len(subnets) > 0 && !slices.Equal(subnets, normalizedSet(cur.VPCZoneIdentifier)) {
		upd.VPCZoneIdentifier = joinZoneIdentifier(subnets)
		changed("VPCZoneIdentifier")
	}
	if zones := normalizedSet(spec.AvailabilityZones); len(zones) > 0 && len(subnets) == 0 &&
		!slices.Equal(zones, normalizedSet(cur.AvailabilityZones)) {
		upd.AvailabilityZones = zones
		changed("AvailabilityZones")
	}
	if hc := orDefault(spec.HealthCheckType, defaultHealthCheckType); hc != orDefault(cur.HealthCheckType, defaultHealthCheckType) {
		upd.HealthCheckType = aws.String(hc)
		changed("HealthCheckType")
	}
	if spec.HealthCheckGracePeriod != nil && *spec.HealthCheckGracePeriod != cur.HealthCheckGracePeriod {
		upd.HealthCheckGracePeriod = aws.Int32(*spec.HealthCheckGracePeriod)
		changed("HealthCheckGracePeriod")
	}
	if spec.DefaultCooldown != nil && *spec.DefaultCooldown != cur.DefaultCooldown {
		upd.DefaultCooldown = aws.Int32(*spec.DefaultCooldown)
		changed("DefaultCooldown")
	}
	if tp := terminationPolicies(spec.TerminationPolicies); !slices.Equal(tp, terminationPolicies(cur.TerminationPolicies)) {
		upd.TerminationPolicies = tp
		changed("TerminationPolicies")
	}
	if spec.MaxInstanceLifetime != nil && *spec.MaxInstanceLifetime != cur.MaxInstanceLifetime {
		upd.MaxInstanceLifetime = aws.Int32(*spec.MaxInstanceLifetime)
		changed("MaxInstanceLifetime")
	}
	if spec.NewInstancesProtectedFromScaleIn != nil && *spec.NewInstancesProtectedFromScaleIn != cur.NewInstancesProtectedFromScaleIn {
		upd.NewInstancesProtectedFromScaleIn = aws.Bool(*spec.NewInstancesProtectedFromScaleIn)
		changed("NewInstancesProtectedFromScaleIn")
	}
	if spec.CapacityRebalance != nil && *spec.CapacityRebalance != cur.CapacityRebalance {
		upd.CapacityRebalance = aws.Bool(*spec.CapacityRebalance)
		changed("CapacityRebalance")
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
