package emulator

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// groupSpec is what CreateAutoScalingGroup and UpdateAutoScalingGroup share, as sent (nil or empty
// means not sent).
type groupSpec struct {
	launchConfigurationName *string
	launchTemplate          *launchTemplateSpec
	minSize, maxSize        *int
	desiredCapacity         *int
	defaultCooldown         *int
	zones                   []string
	vpcZoneIdentifier       *string
	healthCheckType         string
	healthCheckGracePeriod  *int
	placementGroup          *string
	terminationPolicies     []string
	newInstancesProtected   *bool
	serviceLinkedRoleARN    string
	maxInstanceLifetime     *int
	capacityRebalance       *bool
	defaultInstanceWarmup   *int
	desiredCapacityType     string
	context                 *string
}

// readGroupSpec reads and checks the parameters Create and Update share.
func readGroupSpec(q wire.Args) groupSpec {
	s := groupSpec{
		minSize:                q.OptInt("MinSize"),
		maxSize:                q.OptInt("MaxSize"),
		desiredCapacity:        q.OptInt("DesiredCapacity"),
		defaultCooldown:        q.OptInt("DefaultCooldown"),
		zones:                  q.List("AvailabilityZones"),
		vpcZoneIdentifier:      q.OptStr("VPCZoneIdentifier"),
		healthCheckType:        optString(q, "HealthCheckType", 32),
		healthCheckGracePeriod: q.OptInt("HealthCheckGracePeriod"),
		placementGroup:         q.OptStr("PlacementGroup"),
		terminationPolicies:    q.List("TerminationPolicies"),
		newInstancesProtected:  q.OptBool("NewInstancesProtectedFromScaleIn"),
		serviceLinkedRoleARN:   optString(q, "ServiceLinkedRoleARN", 1600),
		maxInstanceLifetime:    q.OptInt("MaxInstanceLifetime"),
		capacityRebalance:      q.OptBool("CapacityRebalance"),
		defaultInstanceWarmup:  q.OptInt("DefaultInstanceWarmup"),
		desiredCapacityType:    optString(q, "DesiredCapacityType", 255),
		context:                q.OptStr("Context"),
	}
	if v := q.OptStr("LaunchConfigurationName"); v != nil {
		checkString(q, "LaunchConfigurationName", *v, 1, 255)
		s.launchConfigurationName = v
	}
	s.launchTemplate = readTemplateSpec(q)
	if q.Has("MixedInstancesPolicy") {
		q.Fail(validationError("MixedInstancesPolicy is not supported by the emulator; use LaunchConfigurationName or LaunchTemplate."))
	}
	for _, p := range []struct {
		name string
		v    *int
	}{{"MinSize", s.minSize}, {"MaxSize", s.maxSize}, {"DesiredCapacity", s.desiredCapacity}, {"DefaultCooldown", s.defaultCooldown}, {"HealthCheckGracePeriod", s.healthCheckGracePeriod}, {"DefaultInstanceWarmup", s.defaultInstanceWarmup}} {
		checkRange(q, p.name, p.v, 0, 1<<31-1)
	}
	if s.maxInstanceLifetime != nil && *s.maxInstanceLifetime != 0 && (*s.maxInstanceLifetime < 86400 || *s.maxInstanceLifetime > 31536000) {
		q.Fail(validationError("The maximum instance lifetime must be 0 or between 86400 and 31536000 seconds (1 to 365 days)."))
	}
	if s.vpcZoneIdentifier != nil && *s.vpcZoneIdentifier != "" {
		checkString(q, "VPCZoneIdentifier", *s.vpcZoneIdentifier, 1, 5000)
	}
	if s.placementGroup != nil && *s.placementGroup != "" {
		checkString(q, "PlacementGroup", *s.placementGroup, 1, 255)
	}
	checkEnum(q, "HealthCheckType", s.healthCheckType, "EC2", "ELB", "VPC_LATTICE", "EBS")
	checkEnum(q, "DesiredCapacityType", s.desiredCapacityType, "units", "vcpu", "memory-mib")
	for _, p := range s.terminationPolicies {
		if !slices.Contains(terminationPolicyTypes, p) && !strings.HasPrefix(p, "arn:aws:lambda:") {
			q.Fail(validationError("Termination policy %s is not valid: use one of %s, or a Lambda function ARN.", p, strings.Join(terminationPolicyTypes, ", ")))
		}
	}
	return s
}

// readTemplateSpec reads a LaunchTemplate parameter (a group's, or an instance refresh's desired
// configuration's); nil when it was not sent.
func readTemplateSpec(q wire.Args) *launchTemplateSpec {
	if !q.Has("LaunchTemplate") {
		return nil
	}
	lt := q.Sub("LaunchTemplate")
	spec := &launchTemplateSpec{
		LaunchTemplateID:   optString(lt, "LaunchTemplateId", 255),
		LaunchTemplateName: optString(lt, "LaunchTemplateName", 128),
		Version:            optString(lt, "Version", 255),
	}
	if (spec.LaunchTemplateID == "") == (spec.LaunchTemplateName == "") {
		// AWS's words, for neither and for both alike.
		q.Fail(validationError("Valid requests must contain either launchTemplateId or LaunchTemplateName"))
	}
	return spec
}

// checkLaunchSource checks the launch configuration or template a Create or Update names, as Auto
// Scaling does then: it must exist, and so must a template version given by number; $Latest and
// $Default are resolved only when instances launch. A template is kept with both its id and name,
// and the version as given ($Default when none is).
func (rs *regionState) checkLaunchSource(spec *groupSpec) *APIError {
	if spec.launchConfigurationName != nil {
		if _, ok := rs.as.LaunchConfigs[*spec.launchConfigurationName]; !ok {
			return validationError("Launch configuration name not found - Launch configuration %s not found", *spec.launchConfigurationName)
		}
	}
	if spec.launchTemplate != nil {
		lt, err := rs.checkTemplate(spec.launchTemplate)
		if err != nil {
			return err
		}
		spec.launchTemplate = lt
	}
	return nil
}

// checkTemplate checks a LaunchTemplate specification (a group's, or an instance refresh's
// desired configuration) and completes it. Auto Scaling relays EC2's reason after its own
// sentence.
func (rs *regionState) checkTemplate(spec *launchTemplateSpec) (*launchTemplateSpec, *APIError) {
	invalid := func(reason string) *APIError {
		return validationError("You must use a valid fully-formed launch template. %s", reason)
	}
	lt, err := rs.ec2.findTemplate(spec.LaunchTemplateID, spec.LaunchTemplateName)
	if err != nil {
		return nil, invalid(err.Message)
	}
	v, ok := lt.resolve(spec.Version)
	switch {
	case !ok:
		return nil, invalid(fmt.Sprintf("The version %q is not valid: use a version number, %s or %s.", truncate(spec.Version, 64), versionLatest, versionDefault))
	case v == nil:
		return nil, invalid(versionNotFound(lt, spec.Version).Message)
	}
	out := &launchTemplateSpec{LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, Version: spec.Version}
	if out.Version == "" {
		out.Version = versionDefault
	}
	return out, nil
}

var (
	zonePattern   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+[a-z]$`)
	subnetPattern = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
)

// resolveZones turns AvailabilityZones and VPCZoneIdentifier into the group's zones and subnets.
// Subnets win when both are sent, as in AWS, which takes the zones from the subnets.
func resolveZones(region string, zones []string, vpcZoneIdentifier string) (outZones, subnets []string, err *APIError) {
	if vpcZoneIdentifier != "" {
		seen := map[string]bool{}
		for _, s := range strings.Split(vpcZoneIdentifier, ",") {
			s = strings.TrimSpace(s)
			if !subnetPattern.MatchString(s) {
				return nil, nil, validationError("The subnet ID '%s' does not exist", s)
			}
			if seen[s] {
				continue
			}
			seen[s] = true
			subnets = append(subnets, s)
			if z := subnetZone(region, s); !slices.Contains(outZones, z) {
				outZones = append(outZones, z)
			}
		}
		sort.Strings(outZones)
		return outZones, subnets, nil
	}
	if len(zones) == 0 {
		return nil, nil, validationError("At least one Availability Zone or VPC Subnet is required.")
	}
	for _, z := range zones {
		if !zonePattern.MatchString(z) || !strings.HasPrefix(z, region) || len(z) != len(region)+1 {
			return nil, nil, validationError("Invalid Availability Zone: %s. The zones of %s are %sa, %sb, %sc and so on.", z, region, region, region, region)
		}
		if !slices.Contains(outZones, z) {
			outZones = append(outZones, z)
		}
	}
	return outZones, nil, nil
}

// checkBounds applies AWS's capacity rules, with AWS's messages.
func checkBounds(min, max, desired int) *APIError {
	if min > max {
		return validationError("Max bound, %d, must be greater than or equal to min bound, %d", max, min)
	}
	if desired < min || desired > max {
		return validationError("Desired capacity:%d must be between the specified min size:%d and max size:%d", desired, min, max)
	}
	return nil
}

// readTags reads Tags.member.N of CreateAutoScalingGroup and CreateOrUpdateTags.
func readTags(q wire.Args) []tagSpec {
	var out []tagSpec
	for _, m := range q.Members("Tags") {
		t := tagSpec{
			resourceID:   m.Str("ResourceId"),
			resourceType: m.Str("ResourceType"),
			tag: tag{
				Key:               reqString(m, "Key", 128),
				Value:             m.Str("Value"),
				PropagateAtLaunch: boolOr(m.OptBool("PropagateAtLaunch"), false),
			},
		}
		if len([]rune(t.tag.Value)) > 256 {
			m.Fail(validationError("1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"))
		}
		checkEnum(m, "ResourceType", t.resourceType, "auto-scaling-group")
		out = append(out, t)
	}
	return out
}

type tagSpec struct {
	resourceID, resourceType string
	tag                      tag
}

// maxTagsPerGroup is AWS's limit.
const maxTagsPerGroup = 50

// setTags adds or replaces tags on a group, enforcing the per-group limit.
func setTags(g *asGroup, tags []tag) *APIError {
	merged := slices.Clone(g.Tags)
	for _, t := range tags {
		i := slices.IndexFunc(merged, func(x tag) bool { return x.Key == t.Key })
		if i >= 0 {
			merged[i] = t
		} else {
			merged = append(merged, t)
		}
	}
	if len(merged) > maxTagsPerGroup {
		return limitExceeded("The number of tags on AutoScalingGroup %s would be %d; the limit is %d tags per group.", g.Name, len(merged), maxTagsPerGroup)
	}
	sort.Slice(merged, func(i, j int) bool { return merged[i].Key < merged[j].Key })
	g.Tags = merged
	return nil
}

// defaultServiceLinkedRole is the role AWS fills in when none is given.
func (e *Emulator) defaultServiceLinkedRole() string {
	return "arn:aws:iam::" + e.opts.AccountID + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
}

func (e *Emulator) createAutoScalingGroup(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	spec := readGroupSpec(q)
	tags := readTags(q)
	if q.OptStr("InstanceId") != nil {
		q.Fail(validationError("Creating a group from InstanceId is not supported by the emulator; use LaunchConfigurationName or LaunchTemplate."))
	}
	if spec.minSize == nil {
		q.Fail(memberNull("MinSize"))
	}
	if spec.maxSize == nil {
		q.Fail(memberNull("MaxSize"))
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	if (spec.launchConfigurationName == nil) == (spec.launchTemplate == nil) {
		return nil, validationError("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
	}
	if err := rs.checkLaunchSource(&spec); err != nil {
		return nil, err
	}
	desired := intOr(spec.desiredCapacity, *spec.minSize)
	if err := checkBounds(*spec.minSize, *spec.maxSize, desired); err != nil {
		return nil, err
	}
	zones, subnets, err := resolveZones(rs.name, spec.zones, deref(spec.vpcZoneIdentifier))
	if err != nil {
		return nil, err
	}
	if _, exists := rs.as.Groups[name]; exists {
		return nil, alreadyExists("AutoScalingGroup by this name already exists - A group with the name %s already exists", name)
	}
	if n := len(rs.as.Groups); n >= e.opts.Limits.MaxNumberOfAutoScalingGroups {
		return nil, limitExceeded("You have reached your limit of %d Auto Scaling groups in %s. Delete unused groups or raise the limit (Options.Limits in the emulator).",
			e.opts.Limits.MaxNumberOfAutoScalingGroups, rs.name)
	}
	for _, t := range tags {
		if t.resourceID != "" && t.resourceID != name {
			return nil, validationError("Tag ResourceId %s does not match the AutoScalingGroupName %s.", t.resourceID, name)
		}
	}

	g := e.newGroup(rs, name, spec, zones, subnets, now)
	for _, lb := range q.List("LoadBalancerNames") {
		g.LoadBalancers = attach(g.LoadBalancers, lb)
	}
	for _, tg := range q.List("TargetGroupARNs") {
		g.TargetGroups = attach(g.TargetGroups, tg)
	}
	plain := make([]tag, 0, len(tags))
	for _, t := range tags {
		plain = append(plain, t.tag)
	}
	if err := setTags(g, plain); err != nil {
		return nil, err
	}
	rs.as.Groups[name] = g
	g.DesiredCapacity = desired
	if desired > 0 {
		trigger := fmt.Sprintf("At %s a user request created an AutoScalingGroup changing the desired capacity %s.", isoSeconds(now), fromTo(0, desired))
		e.reconcile(rs, g, now, trigger, 0)
	}
	return nil, nil
}

// newGroup is a group as CreateAutoScalingGroup makes it from spec, with AWS's defaults for what
// spec leaves out; its capacity is still zero.
func (e *Emulator) newGroup(rs *regionState, name string, spec groupSpec, zones, subnets []string, now time.Time) *asGroup {
	g := &asGroup{
		Name:                             name,
		ARN:                              e.arn(rs, "autoScalingGroup:"+uuid()+":autoScalingGroupName/"+name),
		LaunchConfigurationName:          deref(spec.launchConfigurationName),
		LaunchTemplate:                   spec.launchTemplate,
		MinSize:                          *spec.minSize,
		MaxSize:                          *spec.maxSize,
		DefaultCooldown:                  intOr(spec.defaultCooldown, 300),
		AvailabilityZones:                zones,
		Subnets:                          subnets,
		HealthCheckType:                  cmp.Or(spec.healthCheckType, "EC2"),
		HealthCheckGracePeriod:           intOr(spec.healthCheckGracePeriod, 0),
		Created:                          now,
		PlacementGroup:                   deref(spec.placementGroup),
		TerminationPolicies:              []string{"Default"},
		NewInstancesProtectedFromScaleIn: boolOr(spec.newInstancesProtected, false),
		ServiceLinkedRoleARN:             cmp.Or(spec.serviceLinkedRoleARN, e.defaultServiceLinkedRole()),
		MaxInstanceLifetime:              spec.maxInstanceLifetime,
		CapacityRebalance:                boolOr(spec.capacityRebalance, false),
		DefaultInstanceWarmup:            spec.defaultInstanceWarmup,
		DesiredCapacityType:              spec.desiredCapacityType,
		Context:                          deref(spec.context),
	}
	if len(spec.terminationPolicies) > 0 {
		g.TerminationPolicies = spec.terminationPolicies
	}
	return g
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (e *Emulator) updateAutoScalingGroup(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	spec := readGroupSpec(q)
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, err
	}
	if g.DeleteInProgress {
		return nil, scalingActivityInProgress("AutoScalingGroup %s is being deleted (Status \"Delete in progress\") and cannot be updated.", g.Name)
	}
	if spec.launchConfigurationName != nil && spec.launchTemplate != nil {
		return nil, validationError("Valid requests must contain either LaunchTemplate, LaunchConfigurationName or MixedInstancesPolicy parameter, not more than one.")
	}
	if err := rs.checkLaunchSource(&spec); err != nil {
		return nil, err
	}
	lo, hi := intOr(spec.minSize, g.MinSize), intOr(spec.maxSize, g.MaxSize)
	desired := g.DesiredCapacity
	if spec.desiredCapacity != nil {
		desired = *spec.desiredCapacity
	} else {
		// AWS moves the desired capacity into new bounds rather than rejecting the update.
		desired = min(max(desired, lo), hi)
	}
	if err := checkBounds(lo, hi, desired); err != nil {
		return nil, err
	}
	var zones, subnets []string
	if len(spec.zones) > 0 || (spec.vpcZoneIdentifier != nil && *spec.vpcZoneIdentifier != "") {
		if zones, subnets, err = resolveZones(rs.name, spec.zones, deref(spec.vpcZoneIdentifier)); err != nil {
			return nil, err
		}
	}

	g.apply(spec, zones, subnets)

	old := g.DesiredCapacity
	g.MinSize, g.MaxSize, g.DesiredCapacity = lo, hi, desired
	trigger := ""
	if desired != old {
		trigger = fmt.Sprintf("At %s a user request update of AutoScalingGroup constraints to min: %d, max: %d, desired: %d changing the desired capacity %s.",
			isoSeconds(now), lo, hi, desired, fromTo(old, desired))
	}
	e.reconcile(rs, g, now, trigger, g.DefaultCooldown)
	return nil, nil
}

// apply changes what spec sends (UpdateAutoScalingGroup), leaving the rest; the capacity is the
// caller's.
func (g *asGroup) apply(spec groupSpec, zones, subnets []string) {
	if spec.launchConfigurationName != nil {
		g.LaunchConfigurationName, g.LaunchTemplate = *spec.launchConfigurationName, nil
	}
	if spec.launchTemplate != nil {
		g.LaunchConfigurationName, g.LaunchTemplate = "", spec.launchTemplate
	}
	if zones != nil {
		g.AvailabilityZones, g.Subnets = zones, subnets
	}
	g.DefaultCooldown = intOr(spec.defaultCooldown, g.DefaultCooldown)
	if spec.healthCheckType != "" {
		g.HealthCheckType = spec.healthCheckType
	}
	g.HealthCheckGracePeriod = intOr(spec.healthCheckGracePeriod, g.HealthCheckGracePeriod)
	if spec.placementGroup != nil {
		g.PlacementGroup = *spec.placementGroup
	}
	if len(spec.terminationPolicies) > 0 {
		g.TerminationPolicies = spec.terminationPolicies
	}
	g.NewInstancesProtectedFromScaleIn = boolOr(spec.newInstancesProtected, g.NewInstancesProtectedFromScaleIn)
	if spec.serviceLinkedRoleARN != "" {
		g.ServiceLinkedRoleARN = spec.serviceLinkedRoleARN
	}
	if spec.maxInstanceLifetime != nil {
		g.MaxInstanceLifetime = spec.maxInstanceLifetime
	}
	g.CapacityRebalance = boolOr(spec.capacityRebalance, g.CapacityRebalance)
	if spec.defaultInstanceWarmup != nil {
		g.DefaultInstanceWarmup = spec.defaultInstanceWarmup
	}
	if spec.desiredCapacityType != "" {
		g.DesiredCapacityType = spec.desiredCapacityType
	}
	if spec.context != nil {
		g.Context = *spec.context
	}
}

func (e *Emulator) deleteAutoScalingGroup(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	force := boolOr(q.OptBool("ForceDelete"), false)
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, err
	}
	if g.DeleteInProgress {
		return nil, nil
	}
	if !force {
		if g.busy() {
			return nil, scalingActivityInProgress("You cannot delete an AutoScalingGroup while there are scaling activities in progress for that group.")
		}
		if len(g.Instances) > 0 {
			return nil, resourceInUse("You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.")
		}
	}
	g.DeleteInProgress = true
	g.Policies = nil
	for _, r := range g.Refreshes {
		if r.Status == refreshPending || r.Status == refreshInProgress {
			r.Status, r.End = refreshCancelled, now
		}
	}
	for _, in := range slices.Clone(g.Instances) {
		if in.live() {
			cause := fmt.Sprintf("At %s an instance was taken out of service in response to a user request to delete the AutoScalingGroup.  At %s instance %s was selected for termination.", isoSeconds(now), isoSeconds(now), in.ID)
			e.terminate(rs, g, in, now, cause, 0)
		}
	}
	if len(g.Instances) == 0 {
		e.removeGroup(rs, g)
	}
	return nil, nil
}

func (e *Emulator) setDesiredCapacity(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	desired := q.OptInt("DesiredCapacity")
	honor := boolOr(q.OptBool("HonorCooldown"), false)
	if desired == nil {
		q.Fail(memberNull("DesiredCapacity"))
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, err
	}
	if g.DeleteInProgress {
		return nil, scalingActivityInProgress("AutoScalingGroup %s is being deleted (Status \"Delete in progress\").", g.Name)
	}
	if *desired > g.MaxSize {
		return nil, validationError("New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.", *desired, g.MaxSize)
	}
	if *desired < g.MinSize {
		return nil, validationError("New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.", *desired, g.MinSize)
	}
	if honor && g.inCooldown(now) {
		return nil, scalingActivityInProgress("Scaling activity is in progress or the cooldown period is in effect for AutoScalingGroup %s; retry after it ends or call without HonorCooldown.", g.Name)
	}
	old := g.DesiredCapacity
	g.DesiredCapacity = *desired
	trigger := ""
	if old != *desired {
		trigger = fmt.Sprintf("At %s a user request explicitly set group desired capacity changing the desired capacity %s.", isoSeconds(now), fromTo(old, *desired))
	}
	e.reconcile(rs, g, now, trigger, g.DefaultCooldown)
	return nil, nil
}

func (e *Emulator) describeAutoScalingGroups(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	names := q.List("AutoScalingGroupNames")
	includeInstances := boolOr(q.OptBool("IncludeInstances"), true)
	max := maxRecords(q, 50, 100)
	filters := readFilters(q)
	if err := q.Err(); err != nil {
		return nil, err
	}
	for _, f := range filters {
		if f.name != "tag-key" && f.name != "tag-value" && !strings.HasPrefix(f.name, "tag:") {
			return nil, validationError("Filter name %s is not valid: use tag-key, tag-value or tag:<key>.", f.name)
		}
	}
	var groups []*asGroup
	for _, g := range rs.sortedGroups() {
		if len(names) > 0 && !slices.Contains(names, g.Name) && !slices.Contains(names, g.ARN) {
			continue
		}
		if groupMatches(g, filters) {
			groups = append(groups, g)
		}
	}
	page, next, err := paginate(groups, func(g *asGroup) string { return g.Name }, true, q.Str("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := struct {
		AutoScalingGroups wire.List[groupXML] `xml:"AutoScalingGroups"`
		NextToken         string              `xml:"NextToken,omitempty"`
	}{AutoScalingGroups: wire.List[groupXML]{}, NextToken: next}
	for _, g := range page {
		out.AutoScalingGroups = append(out.AutoScalingGroups, e.groupToXML(g, includeInstances))
	}
	return out, nil
}

type filter struct {
	name   string
	values []string
}

func readFilters(q wire.Args) []filter {
	var out []filter
	for _, m := range q.Members("Filters") {
		out = append(out, filter{name: reqString(m, "Name", 0), values: m.List("Values")})
	}
	return out
}

// groupMatches applies DescribeAutoScalingGroups filters: every filter must match (AND), any of a
// filter's values may (OR).
func groupMatches(g *asGroup, filters []filter) bool {
	for _, f := range filters {
		ok := false
		for _, t := range g.Tags {
			switch f.name {
			case "tag-key":
				ok = ok || slices.Contains(f.values, t.Key)
			case "tag-value":
				ok = ok || slices.Contains(f.values, t.Value)
			default:
				ok = ok || (t.Key == strings.TrimPrefix(f.name, "tag:") && slices.Contains(f.values, t.Value))
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (e *Emulator) describeAutoScalingInstances(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	ids := q.List("InstanceIds")
	max := maxRecords(q, 50, 50)
	if err := q.Err(); err != nil {
		return nil, err
	}
	type pair struct {
		g  *asGroup
		in *instance
	}
	var all []pair
	for _, g := range rs.as.Groups {
		for _, in := range g.Instances {
			if len(ids) == 0 || slices.Contains(ids, in.ID) {
				all = append(all, pair{g, in})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].in.ID < all[j].in.ID })
	page, next, err := paginate(all, func(p pair) string { return p.in.ID }, true, q.Str("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := struct {
		AutoScalingInstances wire.List[instanceDetailsXML] `xml:"AutoScalingInstances"`
		NextToken            string                        `xml:"NextToken,omitempty"`
	}{AutoScalingInstances: wire.List[instanceDetailsXML]{}, NextToken: next}
	for _, p := range page {
		d := instanceDetailsXML{AutoScalingGroupName: p.g.Name, instanceXML: instanceToXML(p.in)}
		// AWS's quirk: this action spells health HEALTHY/UNHEALTHY, unlike DescribeAutoScalingGroups.
		d.HealthStatus = strings.ToUpper(d.HealthStatus)
		out.AutoScalingInstances = append(out.AutoScalingInstances, d)
	}
	return out, nil
}

// instanceNotFound is AWS's error for instance actions naming an unknown instance.
func instanceNotFound(id string) *APIError {
	return validationError("Instance Id not found - No managed instance found for instance ID: %s", id)
}

func (e *Emulator) setInstanceHealth(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	id := reqString(q, "InstanceId", 19)
	status := reqString(q, "HealthStatus", 32)
	respectGrace := boolOr(q.OptBool("ShouldRespectGracePeriod"), true)
	checkEnum(q, "HealthStatus", status, healthHealthy, healthUnhealthy)
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, in := rs.findInstance(id)
	if in == nil || !in.live() {
		return nil, instanceNotFound(id)
	}
	if status == healthUnhealthy && respectGrace && now.Before(in.LaunchTime.Add(time.Duration(g.HealthCheckGracePeriod)*time.Second)) {
		return nil, nil // still in its grace period: AWS ignores the report
	}
	in.HealthStatus = status
	if status == healthUnhealthy {
		in.UnhealthyCause = "an instance was taken out of service in response to a user health-check."
		e.reconcile(rs, g, now, "", 0)
	}
	return nil, nil
}

func (e *Emulator) setInstanceProtection(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	ids := q.List("InstanceIds")
	name := reqString(q, "AutoScalingGroupName", 255)
	protect := q.OptBool("ProtectedFromScaleIn")
	if protect == nil {
		q.Fail(memberNull("ProtectedFromScaleIn"))
	}
	if len(ids) == 0 {
		q.Fail(memberNull("InstanceIds"))
	}
	if len(ids) > 50 {
		q.Fail(validationError("1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50"))
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, err
	}
	var targets []*instance
	for _, id := range ids {
		i := slices.IndexFunc(g.Instances, func(in *instance) bool { return in.ID == id })
		if i < 0 {
			return nil, validationError("The instance %s is not part of Auto Scaling group %s.", id, g.Name)
		}
		targets = append(targets, g.Instances[i])
	}
	for _, in := range targets {
		in.Protected = *protect
	}
	return struct{}{}, nil
}

func (e *Emulator) terminateInstanceInAutoScalingGroup(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	id := reqString(q, "InstanceId", 19)
	decrement := q.OptBool("ShouldDecrementDesiredCapacity")
	if decrement == nil {
		q.Fail(memberNull("ShouldDecrementDesiredCapacity"))
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, in := rs.findInstance(id)
	if in == nil {
		return nil, instanceNotFound(id)
	}
	if !in.live() {
		return activityResult{Activity: e.activityToXML(rs, e.findActivity(rs, in.ActivityID))}, nil
	}
	live := g.liveCount()
	cause := fmt.Sprintf("At %s instance %s was taken out of service in response to a user request.", isoSeconds(now), id)
	if *decrement {
		if g.DesiredCapacity-1 < g.MinSize {
			return nil, validationError("Currently, desiredCapacity is %d and minSize is %d; the desired capacity cannot be decremented below the minimum. Lower MinSize first or set ShouldDecrementDesiredCapacity=false.", g.DesiredCapacity, g.MinSize)
		}
		g.DesiredCapacity--
		cause = fmt.Sprintf("At %s instance %s was taken out of service in response to a user request, shrinking the capacity %s.", isoSeconds(now), id, fromTo(live, live-1))
	}
	a := e.terminate(rs, g, in, now, cause, 0)
	out := activityResult{Activity: e.activityToXML(rs, a)}
	e.reconcile(rs, g, now, "", 0)
	return out, nil
}

type activityResult struct {
	Activity activityXML `xml:"Activity"`
}
