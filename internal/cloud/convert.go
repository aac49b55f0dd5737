package cloud

import (
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// Conversions between the SDK's types and ours. Everything that turns an API type into an SDK
// input, or an SDK output into a domain struct, lives here, so controllers never see the SDK.

// AWS's defaults for the group fields the spec may leave unset.
const (
	defaultHealthCheckType   = "EC2"
	defaultTerminationPolicy = "Default"
	// Auto Scaling groups are tagged with this resource type.
	groupResourceType = "auto-scaling-group"
	policyTypeSimple  = "SimpleScaling"
	// AdjustmentType values.
	AdjustmentChangeInCapacity        = "ChangeInCapacity"
	AdjustmentPercentChangeInCapacity = "PercentChangeInCapacity"
)

// reservedTagPrefixes are tag keys outside the user's diff: ours (the owner tag and any future
// operator tag) and AWS's own (aws:cloudformation:…, aws:autoscaling:…).
var reservedTagPrefixes = []string{"autoscale-operator.io/", "aws:"}

func isReservedTag(key string) bool {
	for _, p := range reservedTagPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// normalizedSet trims, drops empty entries, de-duplicates and sorts: the form in which lists AWS
// treats as sets (zones, subnets, load balancers, target groups, processes) are compared.
func normalizedSet(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// splitZoneIdentifier turns AWS's VPCZoneIdentifier ("subnet-b,subnet-a") into a normalized set.
func splitZoneIdentifier(s *string) []string {
	if s == nil {
		return nil
	}
	return normalizedSet(strings.Split(*s, ","))
}

func joinZoneIdentifier(subnets []string) *string {
	subnets = normalizedSet(subnets)
	if len(subnets) == 0 {
		return nil
	}
	return aws.String(strings.Join(subnets, ","))
}

func metaTime(t *time.Time) *metav1.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t.UTC())
	return &mt
}

// --- launch configurations ---------------------------------------------------------------------

func createLaunchConfigurationInput(name string, spec *ec2v1alpha1.LaunchConfigurationSpec, userData string) *autoscaling.CreateLaunchConfigurationInput {
	in := &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName:  aws.String(name),
		ImageId:                  aws.String(spec.ImageID),
		AssociatePublicIpAddress: spec.AssociatePublicIPAddress,
		EbsOptimized:             spec.EBSOptimized,
		SecurityGroups:           slices.Clone(spec.SecurityGroups),
	}
	if spec.InstanceType != "" {
		in.InstanceType = aws.String(spec.InstanceType)
	}
	if spec.KeyName != "" {
		in.KeyName = aws.String(spec.KeyName)
	}
	// The API wants user data base64-encoded; the spec holds plain text.
	if userData != "" {
		in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte(userData)))
	}
	if spec.IAMInstanceProfile != "" {
		in.IamInstanceProfile = aws.String(spec.IAMInstanceProfile)
	}
	if spec.InstanceMonitoring != nil {
		in.InstanceMonitoring = &astypes.InstanceMonitoring{Enabled: aws.Bool(*spec.InstanceMonitoring)}
	}
	if spec.SpotPrice != "" {
		in.SpotPrice = aws.String(spec.SpotPrice)
	}
	if spec.PlacementTenancy != "" {
		in.PlacementTenancy = aws.String(spec.PlacementTenancy)
	}
	for _, bd := range spec.BlockDeviceMappings {
		m := astypes.BlockDeviceMapping{
			DeviceName: aws.String(bd.DeviceName),
			Ebs: &astypes.Ebs{
				VolumeSize:          bd.EBS.VolumeSize,
				DeleteOnTermination: bd.EBS.DeleteOnTermination,
				Encrypted:           bd.EBS.Encrypted,
			},
		}
		if bd.EBS.VolumeType != "" {
			m.Ebs.VolumeType = aws.String(bd.EBS.VolumeType)
		}
		in.BlockDeviceMappings = append(in.BlockDeviceMappings, m)
	}
	if mo := spec.MetadataOptions; mo != nil && (mo.HTTPTokens != "" || mo.HTTPEndpoint != "" || mo.HTTPPutResponseHopLimit != nil) {
		in.MetadataOptions = &astypes.InstanceMetadataOptions{
			HttpTokens:              astypes.InstanceMetadataHttpTokensState(mo.HTTPTokens),
			HttpEndpoint:            astypes.InstanceMetadataEndpointState(mo.HTTPEndpoint),
			HttpPutResponseHopLimit: mo.HTTPPutResponseHopLimit,
		}
	}
	return in
}

func launchConfigurationFromSDK(lc astypes.LaunchConfiguration) *LaunchConfiguration {
	out := &LaunchConfiguration{
		Name: aws.ToString(lc.LaunchConfigurationName),
		ARN:  aws.ToString(lc.LaunchConfigurationARN),
	}
	if lc.CreatedTime != nil {
		out.CreatedTime = lc.CreatedTime.UTC()
	}
	return out
}

// --- groups ------------------------------------------------------------------------------------

// groupFromSDK converts and normalises: set-like lists sorted, VPCZoneIdentifier split, tags
// sorted by key, instances sorted by ID, defaults filled where AWS leaves a field out.
func groupFromSDK(g astypes.AutoScalingGroup) *Group {
	out := &Group{
		Name:                             aws.ToString(g.AutoScalingGroupName),
		ARN:                              aws.ToString(g.AutoScalingGroupARN),
		LaunchConfigurationName:          aws.ToString(g.LaunchConfigurationName),
		MinSize:                          aws.ToInt32(g.MinSize),
		MaxSize:                          aws.ToInt32(g.MaxSize),
		DesiredCapacity:                  aws.ToInt32(g.DesiredCapacity),
		AvailabilityZones:                normalizedSet(g.AvailabilityZones),
		VPCZoneIdentifier:                splitZoneIdentifier(g.VPCZoneIdentifier),
		LoadBalancerNames:                normalizedSet(g.LoadBalancerNames),
		TargetGroupARNs:                  normalizedSet(g.TargetGroupARNs),
		HealthCheckType:                  aws.ToString(g.HealthCheckType),
		HealthCheckGracePeriod:           aws.ToInt32(g.HealthCheckGracePeriod),
		DefaultCooldown:                  aws.ToInt32(g.DefaultCooldown),
		TerminationPolicies:              slices.Clone(g.TerminationPolicies),
		MaxInstanceLifetime:              aws.ToInt32(g.MaxInstanceLifetime),
		NewInstancesProtectedFromScaleIn: aws.ToBool(g.NewInstancesProtectedFromScaleIn),
		CapacityRebalance:                aws.ToBool(g.CapacityRebalance),
		Status:                           aws.ToString(g.Status),
	}
	if out.HealthCheckType == "" {
		out.HealthCheckType = defaultHealthCheckType
	}
	if len(out.TerminationPolicies) == 0 {
		out.TerminationPolicies = []string{defaultTerminationPolicy}
	}
	// AWS returns suspended processes as structs with a reason; the spec lists names.
	procs := make([]string, 0, len(g.SuspendedProcesses))
	for _, p := range g.SuspendedProcesses {
		procs = append(procs, aws.ToString(p.ProcessName))
	}
	out.SuspendedProcesses = normalizedSet(procs)
	for _, t := range g.Tags {
		out.Tags = append(out.Tags, ec2v1alpha1.Tag{
			Key:               aws.ToString(t.Key),
			Value:             aws.ToString(t.Value),
			PropagateAtLaunch: aws.ToBool(t.PropagateAtLaunch),
		})
	}
	slices.SortFunc(out.Tags, func(a, b ec2v1alpha1.Tag) int { return strings.Compare(a.Key, b.Key) })
	for _, i := range g.Instances {
		out.Instances = append(out.Instances, ec2v1alpha1.InstanceStatus{
			InstanceID:              aws.ToString(i.InstanceId),
			AvailabilityZone:        aws.ToString(i.AvailabilityZone),
			LifecycleState:          string(i.LifecycleState),
			HealthStatus:            aws.ToString(i.HealthStatus),
			LaunchConfigurationName: aws.ToString(i.LaunchConfigurationName),
		})
	}
	slices.SortFunc(out.Instances, func(a, b ec2v1alpha1.InstanceStatus) int {
		return strings.Compare(a.InstanceID, b.InstanceID)
	})
	return out
}

// cloneGroup deep-copies a group so callers may keep or change what the inventory hands out.
func cloneGroup(g *Group) *Group {
	if g == nil {
		return nil
	}
	c := *g
	c.AvailabilityZones = slices.Clone(g.AvailabilityZones)
	c.VPCZoneIdentifier = slices.Clone(g.VPCZoneIdentifier)
	c.LoadBalancerNames = slices.Clone(g.LoadBalancerNames)
	c.TargetGroupARNs = slices.Clone(g.TargetGroupARNs)
	c.TerminationPolicies = slices.Clone(g.TerminationPolicies)
	c.SuspendedProcesses = slices.Clone(g.SuspendedProcesses)
	c.Tags = slices.Clone(g.Tags)
	c.Instances = slices.Clone(g.Instances)
	return &c
}

// groupTags are the tags a new group is created with: the user's (reserved keys dropped) and the
// owner tag, which never propagates to instances.
func groupTags(name string, in *GroupInput) []astypes.Tag {
	tags := sdkTags(name, userTags(in.Spec.Tags))
	if in.OwnerTag != "" {
		tags = append(tags, sdkTag(name, ec2v1alpha1.Tag{Key: ec2v1alpha1.OwnerTagKey, Value: in.OwnerTag}))
	}
	return tags
}

func sdkTags(group string, tags []ec2v1alpha1.Tag) []astypes.Tag {
	var out []astypes.Tag
	for _, t := range tags {
		out = append(out, sdkTag(group, t))
	}
	return out
}

func sdkTag(group string, t ec2v1alpha1.Tag) astypes.Tag {
	return astypes.Tag{
		ResourceId:        aws.String(group),
		ResourceType:      aws.String(groupResourceType),
		Key:               aws.String(t.Key),
		Value:             aws.String(t.Value),
		PropagateAtLaunch: aws.Bool(t.PropagateAtLaunch),
	}
}

// userTags returns the spec's tags without reserved keys, sorted by key (last one wins on a
// duplicate key, which the CRD's listMapKey already forbids).
func userTags(tags []ec2v1alpha1.Tag) []ec2v1alpha1.Tag {
	byKey := map[string]ec2v1alpha1.Tag{}
	for _, t := range tags {
		if t.Key == "" || isReservedTag(t.Key) {
			continue
		}
		byKey[t.Key] = t
	}
	out := make([]ec2v1alpha1.Tag, 0, len(byKey))
	for _, t := range byKey {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b ec2v1alpha1.Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func createGroupInput(in *GroupInput) *autoscaling.CreateAutoScalingGroupInput {
	spec := in.Spec
	out := &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName:             aws.String(in.Name),
		LaunchConfigurationName:          aws.String(in.LaunchConfigurationName),
		MinSize:                          aws.Int32(spec.MinSize),
		MaxSize:                          aws.Int32(spec.MaxSize),
		DesiredCapacity:                  spec.DesiredCapacity,
		AvailabilityZones:                normalizedSet(spec.AvailabilityZones),
		VPCZoneIdentifier:                joinZoneIdentifier(spec.VPCZoneIdentifier),
		LoadBalancerNames:                normalizedSet(spec.LoadBalancerNames),
		TargetGroupARNs:                  normalizedSet(spec.TargetGroupARNs),
		HealthCheckGracePeriod:           spec.HealthCheckGracePeriod,
		DefaultCooldown:                  spec.DefaultCooldown,
		TerminationPolicies:              slices.Clone(spec.TerminationPolicies),
		MaxInstanceLifetime:              spec.MaxInstanceLifetime,
		NewInstancesProtectedFromScaleIn: spec.NewInstancesProtectedFromScaleIn,
		CapacityRebalance:                spec.CapacityRebalance,
		Tags:                             groupTags(in.Name, in),
	}
	if spec.HealthCheckType != "" {
		out.HealthCheckType = aws.String(spec.HealthCheckType)
	}
	return out
}

// --- activities --------------------------------------------------------------------------------

func activityFromSDK(a astypes.Activity) Activity {
	return Activity{
		ActivityID:    aws.ToString(a.ActivityId),
		Description:   aws.ToString(a.Description),
		Cause:         aws.ToString(a.Cause),
		StatusCode:    string(a.StatusCode),
		StatusMessage: aws.ToString(a.StatusMessage),
		Progress:      aws.ToInt32(a.Progress),
		StartTime:     metaTime(a.StartTime),
		EndTime:       metaTime(a.EndTime),
	}
}

// activityDone reports whether an activity reached a final status and will not change again.
func activityDone(a *Activity) bool {
	switch astypes.ScalingActivityStatusCode(a.StatusCode) {
	case astypes.ScalingActivityStatusCodeSuccessful, astypes.ScalingActivityStatusCodeFailed,
		astypes.ScalingActivityStatusCodeCancelled:
		return true
	}
	return false
}

func activityStart(a *Activity) time.Time {
	if a.StartTime == nil {
		return time.Time{}
	}
	return a.StartTime.Time
}

// --- policies ----------------------------------------------------------------------------------

func putPolicyInput(in *PolicyInput) *autoscaling.PutScalingPolicyInput {
	out := &autoscaling.PutScalingPolicyInput{
		AutoScalingGroupName: aws.String(in.Group),
		PolicyName:           aws.String(in.Name),
		PolicyType:           aws.String(policyTypeSimple),
		AdjustmentType:       aws.String(in.AdjustmentType),
		ScalingAdjustment:    aws.Int32(in.ScalingAdjustment),
		Cooldown:             in.Cooldown,
		Enabled:              aws.Bool(true),
	}
	// Without a minimum magnitude, 10% of a group of 4 rounds to 0 and the group never moves.
	if in.AdjustmentType == AdjustmentPercentChangeInCapacity {
		out.MinAdjustmentMagnitude = aws.Int32(1)
	}
	return out
}

func policyFromSDK(p astypes.ScalingPolicy) *Policy {
	return &Policy{
		ARN:                    aws.ToString(p.PolicyARN),
		Name:                   aws.ToString(p.PolicyName),
		Group:                  aws.ToString(p.AutoScalingGroupName),
		PolicyType:             aws.ToString(p.PolicyType),
		AdjustmentType:         aws.ToString(p.AdjustmentType),
		ScalingAdjustment:      aws.ToInt32(p.ScalingAdjustment),
		Cooldown:               p.Cooldown,
		MinAdjustmentMagnitude: p.MinAdjustmentMagnitude,
		// AWS reports Enabled only since policies could be disabled; absent means enabled.
		Enabled: p.Enabled == nil || *p.Enabled,
	}
}

// policyFromInput is the policy AWS holds after a successful PutScalingPolicy of in.
func policyFromInput(in *PolicyInput, arn string) *Policy {
	sdk := putPolicyInput(in)
	return &Policy{
		ARN:                    arn,
		Name:                   in.Name,
		Group:                  in.Group,
		PolicyType:             policyTypeSimple,
		AdjustmentType:         in.AdjustmentType,
		ScalingAdjustment:      in.ScalingAdjustment,
		Cooldown:               sdk.Cooldown,
		MinAdjustmentMagnitude: sdk.MinAdjustmentMagnitude,
		Enabled:                true,
	}
}

func clonePolicy(p *Policy) *Policy {
	if p == nil {
		return nil
	}
	c := *p
	if p.Cooldown != nil {
		c.Cooldown = aws.Int32(*p.Cooldown)
	}
	if p.MinAdjustmentMagnitude != nil {
		c.MinAdjustmentMagnitude = aws.Int32(*p.MinAdjustmentMagnitude)
	}
	return &c
}

// --- alarms ------------------------------------------------------------------------------------

func putAlarmInput(in *AlarmInput) *cloudwatch.PutMetricAlarmInput {
	out := &cloudwatch.PutMetricAlarmInput{
		AlarmName:          aws.String(in.Name),
		Namespace:          aws.String(in.Namespace),
		MetricName:         aws.String(in.MetricName),
		Statistic:          cwtypes.Statistic(in.Statistic),
		Period:             aws.Int32(in.Period),
		EvaluationPeriods:  aws.Int32(in.EvaluationPeriods),
		Threshold:          aws.Float64(in.Threshold),
		ComparisonOperator: cwtypes.ComparisonOperator(in.ComparisonOperator),
		ActionsEnabled:     aws.Bool(true),
		AlarmActions:       normalizedSet(in.AlarmActions),
		Dimensions:         sdkDimensions(in.Dimensions),
	}
	if in.Unit != "" {
		out.Unit = cwtypes.StandardUnit(in.Unit)
	}
	// CloudWatch applies Tags only when the put creates the alarm; changes to an existing alarm's
	// tags go through TagResource/UntagResource.
	if in.OwnerTag != "" {
		out.Tags = []cwtypes.Tag{{Key: aws.String(ec2v1alpha1.OwnerTagKey), Value: aws.String(in.OwnerTag)}}
	}
	return out
}

func sdkDimensions(dims map[string]string) []cwtypes.Dimension {
	names := make([]string, 0, len(dims))
	for n := range dims {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]cwtypes.Dimension, 0, len(names))
	for _, n := range names {
		out = append(out, cwtypes.Dimension{Name: aws.String(n), Value: aws.String(dims[n])})
	}
	return out
}

// alarmFromSDK converts a metric alarm; the owner tag is not part of DescribeAlarms and is filled
// in by the caller.
func alarmFromSDK(a cwtypes.MetricAlarm) *Alarm {
	out := &Alarm{
		AlarmInput: AlarmInput{
			Name:               aws.ToString(a.AlarmName),
			Namespace:          aws.ToString(a.Namespace),
			MetricName:         aws.ToString(a.MetricName),
			Statistic:          string(a.Statistic),
			Unit:               string(a.Unit),
			Period:             aws.ToInt32(a.Period),
			EvaluationPeriods:  aws.ToInt32(a.EvaluationPeriods),
			Threshold:          aws.ToFloat64(a.Threshold),
			ComparisonOperator: string(a.ComparisonOperator),
			AlarmActions:       normalizedSet(a.AlarmActions),
		},
		ARN:            aws.ToString(a.AlarmArn),
		StateValue:     string(a.StateValue),
		StateReason:    aws.ToString(a.StateReason),
		ActionsEnabled: a.ActionsEnabled == nil || *a.ActionsEnabled,
	}
	if len(a.Dimensions) > 0 {
		out.Dimensions = make(map[string]string, len(a.Dimensions))
		for _, d := range a.Dimensions {
			out.Dimensions[aws.ToString(d.Name)] = aws.ToString(d.Value)
		}
	}
	if a.StateUpdatedTimestamp != nil {
		out.StateUpdatedTimestamp = a.StateUpdatedTimestamp.UTC()
	}
	if a.StateTransitionedTimestamp != nil {
		out.StateTransitionedTimestamp = a.StateTransitionedTimestamp.UTC()
	} else {
		out.StateTransitionedTimestamp = out.StateUpdatedTimestamp
	}
	return out
}

func cloneAlarm(a *Alarm) *Alarm {
	if a == nil {
		return nil
	}
	c := *a
	c.AlarmActions = slices.Clone(a.AlarmActions)
	if a.Dimensions != nil {
		c.Dimensions = make(map[string]string, len(a.Dimensions))
		for k, v := range a.Dimensions {
			c.Dimensions[k] = v
		}
	}
	return &c
}
