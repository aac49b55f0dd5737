package emulator

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// maxPoliciesPerGroup is AWS's limit on scaling policies per group.
const maxPoliciesPerGroup = 50

type policyXML struct {
	AutoScalingGroupName        string                    `xml:"AutoScalingGroupName"`
	PolicyName                  string                    `xml:"PolicyName"`
	PolicyARN                   string                    `xml:"PolicyARN"`
	PolicyType                  string                    `xml:"PolicyType"`
	AdjustmentType              string                    `xml:"AdjustmentType,omitempty"`
	MinAdjustmentStep           *int                      `xml:"MinAdjustmentStep,omitempty"`
	MinAdjustmentMagnitude      *int                      `xml:"MinAdjustmentMagnitude,omitempty"`
	ScalingAdjustment           *int                      `xml:"ScalingAdjustment,omitempty"`
	Cooldown                    *int                      `xml:"Cooldown,omitempty"`
	StepAdjustments             wire.List[stepAdjustment] `xml:"StepAdjustments"`
	MetricAggregationType       string                    `xml:"MetricAggregationType,omitempty"`
	EstimatedInstanceWarmup     *int                      `xml:"EstimatedInstanceWarmup,omitempty"`
	Alarms                      wire.List[policyAlarmXML] `xml:"Alarms"`
	TargetTrackingConfiguration *targetTrackingConfig     `xml:"TargetTrackingConfiguration,omitempty"`
	Enabled                     bool                      `xml:"Enabled"`
}

type policyAlarmXML struct {
	AlarmName string `xml:"AlarmName"`
	AlarmARN  string `xml:"AlarmARN"`
}

func (e *Emulator) policyToXML(rs *regionState, p *scalingPolicy) policyXML {
	return policyXML{
		AutoScalingGroupName:        p.GroupName,
		PolicyName:                  p.Name,
		PolicyARN:                   p.ARN,
		PolicyType:                  p.PolicyType,
		AdjustmentType:              p.AdjustmentType,
		MinAdjustmentStep:           p.MinAdjustmentStep,
		MinAdjustmentMagnitude:      p.MinAdjustmentMagnitude,
		ScalingAdjustment:           p.ScalingAdjustment,
		Cooldown:                    p.Cooldown,
		StepAdjustments:             append(wire.List[stepAdjustment]{}, p.StepAdjustments...),
		MetricAggregationType:       p.MetricAggregationType,
		EstimatedInstanceWarmup:     p.EstimatedInstanceWarmup,
		Alarms:                      e.policyAlarms(rs, p.ARN),
		TargetTrackingConfiguration: p.TargetTracking,
		Enabled:                     p.Enabled,
	}
}

func (e *Emulator) putScalingPolicy(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	p := &scalingPolicy{
		GroupName:               reqString(q, "AutoScalingGroupName", 255),
		Name:                    reqString(q, "PolicyName", 255),
		PolicyType:              optString(q, "PolicyType", 64),
		AdjustmentType:          optString(q, "AdjustmentType", 255),
		MinAdjustmentStep:       q.OptInt("MinAdjustmentStep"),
		MinAdjustmentMagnitude:  q.OptInt("MinAdjustmentMagnitude"),
		ScalingAdjustment:       q.OptInt("ScalingAdjustment"),
		Cooldown:                q.OptInt("Cooldown"),
		MetricAggregationType:   optString(q, "MetricAggregationType", 32),
		EstimatedInstanceWarmup: q.OptInt("EstimatedInstanceWarmup"),
		Enabled:                 boolOr(q.OptBool("Enabled"), true),
	}
	if p.PolicyType == "" {
		p.PolicyType = policySimple
	}
	checkEnum(q, "PolicyType", p.PolicyType, policySimple, policyStep, policyTargetTracking, "PredictiveScaling")
	checkEnum(q, "AdjustmentType", p.AdjustmentType, adjustChange, adjustExact, adjustPercent)
	checkEnum(q, "MetricAggregationType", p.MetricAggregationType, "Minimum", "Maximum", "Average")
	checkRange(q, "Cooldown", p.Cooldown, 0, math.MaxInt32)
	checkRange(q, "EstimatedInstanceWarmup", p.EstimatedInstanceWarmup, 0, math.MaxInt32)
	checkRange(q, "MinAdjustmentMagnitude", p.MinAdjustmentMagnitude, 1, math.MaxInt32)
	for _, m := range q.Members("StepAdjustments") {
		adj := m.OptInt("ScalingAdjustment")
		if adj == nil {
			m.Fail(memberNull("StepAdjustments.member.ScalingAdjustment"))
			continue
		}
		p.StepAdjustments = append(p.StepAdjustments, stepAdjustment{
			MetricIntervalLowerBound: m.OptFloat("MetricIntervalLowerBound"),
			MetricIntervalUpperBound: m.OptFloat("MetricIntervalUpperBound"),
			ScalingAdjustment:        *adj,
		})
	}
	if q.Has("TargetTrackingConfiguration") {
		p.TargetTracking = readTargetTracking(q.Sub("TargetTrackingConfiguration"))
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	if err := checkPolicy(p); err != nil {
		return nil, err
	}
	g, err := rs.lookupGroup(p.GroupName)
	if err != nil {
		return nil, err
	}
	p.GroupName = g.Name
	i := slices.IndexFunc(g.Policies, func(x *scalingPolicy) bool { return x.Name == p.Name })
	if i >= 0 {
		p.ARN = g.Policies[i].ARN // an update keeps the policy's ARN, so alarms keep working
		g.Policies[i] = p
	} else {
		if len(g.Policies) >= maxPoliciesPerGroup {
			return nil, limitExceeded("AutoScalingGroup %s already has %d scaling policies, the limit. Delete one before adding another.", g.Name, maxPoliciesPerGroup)
		}
		p.ARN = e.arn(rs, "scalingPolicy:"+uuid()+":autoScalingGroupName/"+g.Name+":policyName/"+p.Name)
		g.Policies = append(g.Policies, p)
	}
	return struct {
		PolicyARN string                    `xml:"PolicyARN"`
		Alarms    wire.List[policyAlarmXML] `xml:"Alarms"`
	}{p.ARN, e.policyAlarms(rs, p.ARN)}, nil
}

func readTargetTracking(t wire.Args) *targetTrackingConfig {
	cfg := &targetTrackingConfig{DisableScaleIn: t.OptBool("DisableScaleIn")}
	if v := t.OptFloat("TargetValue"); v != nil {
		cfg.TargetValue = *v
	} else {
		t.Fail(memberNull("TargetTrackingConfiguration.TargetValue"))
	}
	if t.Has("PredefinedMetricSpecification") {
		pm := t.Sub("PredefinedMetricSpecification")
		cfg.PredefinedMetricSpecification = &predefinedMetric{
			PredefinedMetricType: reqString(pm, "PredefinedMetricType", 0),
			ResourceLabel:        optString(pm, "ResourceLabel", 1023),
		}
		checkEnum(pm, "PredefinedMetricType", cfg.PredefinedMetricSpecification.PredefinedMetricType,
			"ASGAverageCPUUtilization", "ASGAverageNetworkIn", "ASGAverageNetworkOut", "ALBRequestCountPerTarget")
	}
	if t.Has("CustomizedMetricSpecification") {
		cm := t.Sub("CustomizedMetricSpecification")
		c := &customizedMetric{
			MetricName: optString(cm, "MetricName", 255),
			Namespace:  optString(cm, "Namespace", 255),
			Statistic:  optString(cm, "Statistic", 0),
			Unit:       optString(cm, "Unit", 0),
		}
		for _, d := range cm.Members("Dimensions") {
			c.Dimensions = append(c.Dimensions, metricDimension{Name: reqString(d, "Name", 255), Value: reqString(d, "Value", 1024)})
		}
		if cm.Has("Metrics") {
			cm.Fail(validationError("CustomizedMetricSpecification.Metrics (metric math) is not supported by the emulator; use MetricName, Namespace, Dimensions and Statistic."))
		}
		checkEnum(cm, "Statistic", c.Statistic, "Average", "Minimum", "Maximum", "SampleCount", "Sum")
		cfg.CustomizedMetricSpecification = c
	}
	return cfg
}

// checkPolicy applies AWS's rules on which parameters go with which policy type.
func checkPolicy(p *scalingPolicy) *APIError {
	switch p.PolicyType {
	case "PredictiveScaling":
		return validationError("PredictiveScaling policies are not supported by the emulator; use SimpleScaling, StepScaling or TargetTrackingScaling.")
	case policyTargetTracking:
		if p.TargetTracking == nil {
			return validationError("TargetTrackingConfiguration is required for policy type TargetTrackingScaling.")
		}
		if (p.TargetTracking.PredefinedMetricSpecification == nil) == (p.TargetTracking.CustomizedMetricSpecification == nil) {
			return validationError("Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be given in TargetTrackingConfiguration.")
		}
		if pm := p.TargetTracking.PredefinedMetricSpecification; pm != nil && pm.PredefinedMetricType == "ALBRequestCountPerTarget" && pm.ResourceLabel == "" {
			return validationError("ResourceLabel is required for predefined metric type ALBRequestCountPerTarget.")
		}
		for name, set := range map[string]bool{"AdjustmentType": p.AdjustmentType != "", "ScalingAdjustment": p.ScalingAdjustment != nil,
			"StepAdjustments": len(p.StepAdjustments) > 0, "Cooldown": p.Cooldown != nil, "MinAdjustmentMagnitude": p.MinAdjustmentMagnitude != nil} {
			if set {
				return validationError("%s is not supported for policy type TargetTrackingScaling.", name)
			}
		}
		return nil
	}
	if p.TargetTracking != nil {
		return validationError("TargetTrackingConfiguration is only supported for policy type TargetTrackingScaling.")
	}
	if p.AdjustmentType == "" {
		return validationError("AdjustmentType is required for policy type %s.", p.PolicyType)
	}
	if p.MinAdjustmentMagnitude != nil && p.AdjustmentType != adjustPercent {
		return validationError("MinAdjustmentMagnitude is only supported with adjustment type PercentChangeInCapacity.")
	}
	if p.PolicyType == policySimple {
		switch {
		case p.ScalingAdjustment == nil:
			return validationError("ScalingAdjustment is required for policy type SimpleScaling.")
		case len(p.StepAdjustments) > 0:
			return validationError("StepAdjustments are not supported for policy type SimpleScaling.")
		case p.MetricAggregationType != "":
			return validationError("MetricAggregationType is not supported for policy type SimpleScaling.")
		case p.EstimatedInstanceWarmup != nil:
			return validationError("EstimatedInstanceWarmup is not supported for policy type SimpleScaling.")
		case p.AdjustmentType == adjustExact && *p.ScalingAdjustment < 0:
			return validationError("ScalingAdjustment cannot be negative with adjustment type ExactCapacity.")
		}
		return nil
	}
	switch {
	case p.ScalingAdjustment != nil:
		return validationError("ScalingAdjustment is not supported for policy type StepScaling; use StepAdjustments.")
	case p.Cooldown != nil:
		return validationError("Cooldown is not supported for policy type StepScaling; use EstimatedInstanceWarmup.")
	case len(p.StepAdjustments) == 0:
		return validationError("StepAdjustments are required for policy type StepScaling.")
	}
	if p.MetricAggregationType == "" {
		p.MetricAggregationType = "Average"
	}
	return checkSteps(p.StepAdjustments)
}

// checkSteps enforces AWS's step rules: each interval has lower < upper, intervals neither overlap
// nor leave gaps, and only the lowest may be open below and only the highest open above.
func checkSteps(steps []stepAdjustment) *APIError {
	sorted := slices.Clone(steps)
	lower := func(s stepAdjustment) float64 {
		if s.MetricIntervalLowerBound == nil {
			return math.Inf(-1)
		}
		return *s.MetricIntervalLowerBound
	}
	upper := func(s stepAdjustment) float64 {
		if s.MetricIntervalUpperBound == nil {
			return math.Inf(1)
		}
		return *s.MetricIntervalUpperBound
	}
	sort.SliceStable(sorted, func(i, j int) bool { return lower(sorted[i]) < lower(sorted[j]) })
	for i, s := range sorted {
		if s.MetricIntervalLowerBound == nil && s.MetricIntervalUpperBound == nil && len(sorted) > 1 {
			return validationError("Only one step adjustment may have both bounds unset (null).")
		}
		if lower(s) >= upper(s) {
			return validationError("Step adjustment %d has lower bound %v not below its upper bound %v.", i+1, lower(s), upper(s))
		}
		if i > 0 && upper(sorted[i-1]) != lower(s) {
			if upper(sorted[i-1]) > lower(s) {
				return validationError("Step adjustments overlap at %v: the intervals of a step policy must not overlap.", lower(s))
			}
			return validationError("Step adjustments leave a gap between %v and %v: the intervals of a step policy must be contiguous.", upper(sorted[i-1]), lower(s))
		}
	}
	return nil
}

func (e *Emulator) describePolicies(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	group := optString(q, "AutoScalingGroupName", 255)
	names := q.List("PolicyNames")
	types := q.List("PolicyTypes")
	max := maxRecords(q, 50, 100)
	if err := q.Err(); err != nil {
		return nil, err
	}
	var groups []*asGroup
	if group != "" {
		g, err := rs.lookupGroup(group)
		if err != nil {
			return nil, err
		}
		groups = []*asGroup{g}
	} else {
		groups = rs.sortedGroups()
	}
	var all []*scalingPolicy
	for _, g := range groups {
		for _, p := range g.Policies {
			if (len(names) == 0 || slices.Contains(names, p.Name) || slices.Contains(names, p.ARN)) &&
				(len(types) == 0 || slices.Contains(types, p.PolicyType)) {
				all = append(all, p)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return policyKey(all[i]) < policyKey(all[j]) })
	page, next, err := paginate(all, policyKey, true, q.Str("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := struct {
		ScalingPolicies wire.List[policyXML] `xml:"ScalingPolicies"`
		NextToken       string               `xml:"NextToken,omitempty"`
	}{ScalingPolicies: wire.List[policyXML]{}, NextToken: next}
	for _, p := range page {
		out.ScalingPolicies = append(out.ScalingPolicies, e.policyToXML(rs, p))
	}
	return out, nil
}

// policyKey orders policies by group then name; neither may contain a newline.
func policyKey(p *scalingPolicy) string { return p.GroupName + "\n" + p.Name }

// findPolicy finds a policy by ARN, or by name within the named group.
func (rs *regionState) findPolicy(group, nameOrARN string) (*asGroup, *scalingPolicy, *APIError) {
	if strings.HasPrefix(nameOrARN, "arn:") {
		for _, g := range rs.as.Groups {
			for _, p := range g.Policies {
				if p.ARN == nameOrARN {
					return g, p, nil
				}
			}
		}
		return nil, nil, validationError("No scaling policy found with ARN %s.", nameOrARN)
	}
	if group == "" {
		return nil, nil, validationError("AutoScalingGroupName is required when PolicyName is a name rather than an ARN.")
	}
	g, err := rs.lookupGroup(group)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range g.Policies {
		if p.Name == nameOrARN {
			return g, p, nil
		}
	}
	return nil, nil, validationError("No scaling policy found for AutoScalingGroup %s with name %s.", g.Name, nameOrARN)
}

func (e *Emulator) deletePolicy(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	group := optString(q, "AutoScalingGroupName", 255)
	name := reqString(q, "PolicyName", 1600)
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, p, err := rs.findPolicy(group, name)
	if err != nil {
		return nil, err
	}
	g.Policies = slices.DeleteFunc(g.Policies, func(x *scalingPolicy) bool { return x == p })
	return nil, nil
}

func (e *Emulator) executePolicy(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	group := optString(q, "AutoScalingGroupName", 255)
	name := reqString(q, "PolicyName", 1600)
	honor := boolOr(q.OptBool("HonorCooldown"), false)
	metric := q.OptFloat("MetricValue")
	threshold := q.OptFloat("BreachThreshold")
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, p, err := rs.findPolicy(group, name)
	if err != nil {
		return nil, err
	}
	if !p.Enabled {
		return nil, validationError("Policy %s is disabled; enable it with PutScalingPolicy (Enabled=true) before executing it.", p.Name)
	}
	trigger := fmt.Sprintf("At %s a user request executed policy %s", isoSeconds(now), p.Name)
	switch p.PolicyType {
	case policySimple:
		if honor && g.inCooldown(now) {
			return nil, scalingActivityInProgress("Scaling activity is in progress or the cooldown period is in effect for AutoScalingGroup %s; retry after it ends or call without HonorCooldown.", g.Name)
		}
		e.scaleBy(rs, g, p, *p.ScalingAdjustment, trigger, now)
	case policyStep:
		if metric == nil || threshold == nil {
			return nil, validationError("MetricValue and BreachThreshold are required to execute step scaling policy %s.", p.Name)
		}
		step, ok := matchStep(p.StepAdjustments, *metric-*threshold)
		if !ok {
			return nil, validationError("No step adjustment of policy %s covers metric value %v against breach threshold %v.", p.Name, *metric, *threshold)
		}
		e.scaleBy(rs, g, p, step, trigger, now)
	default:
		return nil, validationError("ExecutePolicy is not supported for policy type %s.", p.PolicyType)
	}
	return nil, nil
}

// matchStep finds the step for a metric's distance from the breach threshold: above the threshold
// the lower bound is inclusive and the upper exclusive; below it, the other way round.
func matchStep(steps []stepAdjustment, diff float64) (int, bool) {
	for _, s := range steps {
		lo, hi := math.Inf(-1), math.Inf(1)
		if s.MetricIntervalLowerBound != nil {
			lo = *s.MetricIntervalLowerBound
		}
		if s.MetricIntervalUpperBound != nil {
			hi = *s.MetricIntervalUpperBound
		}
		if (diff >= 0 && lo <= diff && diff < hi) || (diff < 0 && lo < diff && diff <= hi) {
			return s.ScalingAdjustment, true
		}
	}
	return 0, false
}

// scaleBy applies a policy's adjustment and starts the resulting activities. trigger is the start
// of the Cause ("At ... a user request executed policy p"); scaleBy completes the sentence.
func (e *Emulator) scaleBy(rs *regionState, g *asGroup, p *scalingPolicy, adjustment int, trigger string, now time.Time) {
	old := g.DesiredCapacity
	desired := adjustedCapacity(old, g.MinSize, g.MaxSize, p.AdjustmentType, adjustment, p.MinAdjustmentMagnitude, p.MinAdjustmentStep)
	if desired == old {
		return // AWS records no activity when a policy changes nothing
	}
	g.DesiredCapacity = desired
	cooldown := 0
	if p.PolicyType == policySimple {
		cooldown = intOr(p.Cooldown, g.DefaultCooldown)
	}
	e.reconcile(rs, g, now, fmt.Sprintf("%s changing the desired capacity %s.", trigger, fromTo(old, desired)), cooldown)
}

// adjustedCapacity is the desired capacity after an adjustment, with AWS's rounding for
// percentages (toward zero, but never below a magnitude of 1 or MinAdjustmentMagnitude) and
// clamped to the group's bounds.
func adjustedCapacity(current, minSize, maxSize int, adjustmentType string, adjustment int, minMagnitude, minStep *int) int {
	var desired int
	switch adjustmentType {
	case adjustExact:
		desired = adjustment
	case adjustPercent:
		delta := float64(current) * float64(adjustment) / 100
		change := int(delta) // truncates toward zero: 12.7 → 12, -6.67 → -6
		if change == 0 && delta > 0 {
			change = 1
		} else if change == 0 && delta < 0 {
			change = -1
		}
		floor := intOr(minMagnitude, intOr(minStep, 0))
		if change > 0 && change < floor {
			change = floor
		} else if change < 0 && -change < floor {
			change = -floor
		}
		desired = current + change
	default:
		desired = current + adjustment
	}
	return min(max(desired, minSize), maxSize)
}

// executePolicyFromAlarm runs the policy an alarm action names, as CloudWatch does for Auto Scaling
// actions: a suspended AlarmNotification process or a disabled policy ignores it, simple scaling
// waits out its cooldown, step scaling picks its step from the alarm's breaching value. Called by
// the CloudWatch side (with e.mu held) for each Auto Scaling policy ARN among a firing alarm's
// actions.
func (e *Emulator) executePolicyFromAlarm(rs *regionState, policyARN, alarmName string, now time.Time) error {
	g, p, err := rs.findPolicy("", policyARN)
	if err != nil {
		return err
	}
	if g.DeleteInProgress || g.suspended(procAlarmNotification) || !p.Enabled {
		return nil
	}
	trigger := fmt.Sprintf("At %s a monitor alarm %s in state ALARM triggered policy %s", isoSeconds(now), alarmName, p.Name)
	switch p.PolicyType {
	case policySimple:
		if g.inCooldown(now) {
			return nil
		}
		e.scaleBy(rs, g, p, *p.ScalingAdjustment, trigger, now)
	case policyStep:
		value, threshold, ok := e.alarmBreach(rs, alarmName)
		if !ok {
			return fmt.Errorf("alarm %s has no breaching datapoint for step scaling policy %s", alarmName, p.Name)
		}
		step, ok := matchStep(p.StepAdjustments, value-threshold)
		if !ok {
			return fmt.Errorf("no step adjustment of policy %s covers metric value %v against threshold %v", p.Name, value, threshold)
		}
		e.scaleBy(rs, g, p, step, trigger, now)
	default:
		return fmt.Errorf("policy %s of type %s cannot be executed by an alarm in the emulator", p.Name, p.PolicyType)
	}
	return nil
}
