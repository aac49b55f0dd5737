package cloud

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/google/go-cmp/cmp"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// baseInput and baseSDKGroup describe the same group: the spec as a user writes it, and the
// group as AWS reports it (reordered, defaults filled, subnets joined, processes as structs).
func baseInput() *GroupInput {
	return &GroupInput{
		Name:                    "web",
		LaunchConfigurationName: "default-web-abc123",
		OwnerTag:                "cluster/default/web",
		Spec: &ec2v1alpha1.AutoScalingGroupSpec{
			MinSize:             1,
			MaxSize:             4,
			AvailabilityZones:   []string{"us-east-1b", "us-east-1a"},
			VPCZoneIdentifier:   []string{"subnet-2", "subnet-1"},
			LoadBalancerNames:   []string{"lb-b", "lb-a"},
			TargetGroupARNs:     []string{"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/b", "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a"},
			SuspendedProcesses:  []string{"AZRebalance", "AlarmNotification"},
			TerminationPolicies: nil,
			Tags: []ec2v1alpha1.Tag{
				{Key: "team", Value: "web", PropagateAtLaunch: true},
				{Key: "env", Value: "prod"},
			},
		},
	}
}

func baseSDKGroup() astypes.AutoScalingGroup {
	return astypes.AutoScalingGroup{
		AutoScalingGroupName:    aws.String("web"),
		AutoScalingGroupARN:     aws.String("arn:aws:autoscaling:us-east-1:1:autoScalingGroup:x:autoScalingGroupName/web"),
		LaunchConfigurationName: aws.String("default-web-abc123"),
		MinSize:                 aws.Int32(1),
		MaxSize:                 aws.Int32(4),
		DesiredCapacity:         aws.Int32(1),
		AvailabilityZones:       []string{"us-east-1a", "us-east-1b"},
		VPCZoneIdentifier:       aws.String("subnet-1, subnet-2"),
		LoadBalancerNames:       []string{"lb-a", "lb-b"},
		TargetGroupARNs:         []string{"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a", "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/b"},
		HealthCheckType:         aws.String("EC2"),
		HealthCheckGracePeriod:  aws.Int32(300),
		DefaultCooldown:         aws.Int32(300),
		TerminationPolicies:     []string{"Default"},
		SuspendedProcesses: []astypes.SuspendedProcess{
			{ProcessName: aws.String("AlarmNotification"), SuspensionReason: aws.String("User suspended")},
			{ProcessName: aws.String("AZRebalance"), SuspensionReason: aws.String("User suspended")},
		},
		Tags: []astypes.TagDescription{
			{Key: aws.String(ec2v1alpha1.OwnerTagKey), Value: aws.String("cluster/default/web"), PropagateAtLaunch: aws.Bool(false)},
			{Key: aws.String("team"), Value: aws.String("web"), PropagateAtLaunch: aws.Bool(true)},
			{Key: aws.String("env"), Value: aws.String("prod"), PropagateAtLaunch: aws.Bool(false)},
			{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("s"), PropagateAtLaunch: aws.Bool(true)},
		},
		Instances: []astypes.Instance{
			{InstanceId: aws.String("i-2"), LifecycleState: astypes.LifecycleStateInService, HealthStatus: aws.String("Healthy"), AvailabilityZone: aws.String("us-east-1b")},
			{InstanceId: aws.String("i-1"), LifecycleState: astypes.LifecycleStatePending, HealthStatus: aws.String("Healthy"), AvailabilityZone: aws.String("us-east-1a")},
		},
		Status: nil,
	}
}

func TestGroupFromSDKNormalises(t *testing.T) {
	g := groupFromSDK(baseSDKGroup())
	want := &Group{
		Name:                    "web",
		ARN:                     "arn:aws:autoscaling:us-east-1:1:autoScalingGroup:x:autoScalingGroupName/web",
		LaunchConfigurationName: "default-web-abc123",
		MinSize:                 1, MaxSize: 4, DesiredCapacity: 1,
		AvailabilityZones:      []string{"us-east-1a", "us-east-1b"},
		VPCZoneIdentifier:      []string{"subnet-1", "subnet-2"},
		LoadBalancerNames:      []string{"lb-a", "lb-b"},
		TargetGroupARNs:        []string{"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a", "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/b"},
		HealthCheckType:        "EC2",
		HealthCheckGracePeriod: 300,
		DefaultCooldown:        300,
		TerminationPolicies:    []string{"Default"},
		SuspendedProcesses:     []string{"AZRebalance", "AlarmNotification"},
		Tags: []ec2v1alpha1.Tag{
			{Key: ec2v1alpha1.OwnerTagKey, Value: "cluster/default/web"},
			{Key: "aws:cloudformation:stack-name", Value: "s", PropagateAtLaunch: true},
			{Key: "env", Value: "prod"},
			{Key: "team", Value: "web", PropagateAtLaunch: true},
		},
		Instances: []ec2v1alpha1.InstanceStatus{
			{InstanceID: "i-1", AvailabilityZone: "us-east-1a", LifecycleState: "Pending", HealthStatus: "Healthy"},
			{InstanceID: "i-2", AvailabilityZone: "us-east-1b", LifecycleState: "InService", HealthStatus: "Healthy"},
		},
	}
	if d := cmp.Diff(want, g); d != "" {
		t.Errorf("groupFromSDK (-want +got):\n%s", d)
	}
	if g.OwnerTag() != "cluster/default/web" {
		t.Errorf("OwnerTag() = %q", g.OwnerTag())
	}

	// AWS leaving out defaults reads as the defaults.
	bare := groupFromSDK(astypes.AutoScalingGroup{AutoScalingGroupName: aws.String("x")})
	if bare.HealthCheckType != "EC2" || !slices.Equal(bare.TerminationPolicies, []string{"Default"}) || bare.VPCZoneIdentifier != nil {
		t.Errorf("defaults not filled: %+v", bare)
	}

	// A clone shares nothing with the original.
	c := cloneGroup(g)
	c.Tags[0].Value = "changed"
	c.AvailabilityZones[0] = "changed"
	c.Instances[0].InstanceID = "changed"
	if g.Tags[0].Value == "changed" || g.AvailabilityZones[0] == "changed" || g.Instances[0].InstanceID == "changed" {
		t.Errorf("cloneGroup shares slices")
	}
}

func TestPlanGroupUpdate(t *testing.T) {
	int32p := func(v int32) *int32 { return &v }
	boolp := func(v bool) *bool { return &v }
	cases := []struct {
		name    string
		spec    func(in *GroupInput)
		aws     func(g *astypes.AutoScalingGroup)
		changed []string
		check   func(t *testing.T, p groupPlan)
	}{
		{name: "unchanged group, reordered and defaulted by AWS", changed: nil},
		{
			name: "unset pointers are not managed",
			aws: func(g *astypes.AutoScalingGroup) {
				g.HealthCheckGracePeriod = aws.Int32(0)
				g.DefaultCooldown = aws.Int32(120)
				g.DesiredCapacity = aws.Int32(3)
				g.MaxInstanceLifetime = aws.Int32(86400)
				g.CapacityRebalance = aws.Bool(true)
				g.NewInstancesProtectedFromScaleIn = aws.Bool(true)
			},
		},
		{
			name: "explicit Default termination policy and EC2 health check equal AWS's defaults",
			spec: func(in *GroupInput) {
				in.Spec.TerminationPolicies = []string{"Default"}
				in.Spec.HealthCheckType = "EC2"
			},
			aws: func(g *astypes.AutoScalingGroup) { g.TerminationPolicies = nil; g.HealthCheckType = nil },
		},
		{
			name:    "owner tag and aws: tags stay outside the user's diff",
			aws:     func(g *astypes.AutoScalingGroup) { g.Tags = g.Tags[1:3] },
			changed: nil,
		},
		{
			name:    "sizes",
			spec:    func(in *GroupInput) { in.Spec.MinSize, in.Spec.MaxSize = 2, 8 },
			changed: []string{"MinSize", "MaxSize"},
			check: func(t *testing.T, p groupPlan) {
				if aws.ToInt32(p.update.MinSize) != 2 || aws.ToInt32(p.update.MaxSize) != 8 || p.update.DesiredCapacity != nil ||
					p.update.LaunchConfigurationName != nil || p.update.VPCZoneIdentifier != nil {
					t.Errorf("update = %+v", p.update)
				}
			},
		},
		{
			name:    "desired capacity only when set",
			spec:    func(in *GroupInput) { in.Spec.DesiredCapacity = int32p(3) },
			changed: []string{"DesiredCapacity"},
		},
		{
			name: "desired capacity equal",
			spec: func(in *GroupInput) { in.Spec.DesiredCapacity = int32p(1) },
		},
		{
			name:    "launch configuration",
			spec:    func(in *GroupInput) { in.LaunchConfigurationName = "default-web-def456" },
			changed: []string{"LaunchConfigurationName"},
		},
		{
			name:    "subnets as a set, sent joined",
			spec:    func(in *GroupInput) { in.Spec.VPCZoneIdentifier = []string{"subnet-3", "subnet-1"} },
			changed: []string{"VPCZoneIdentifier"},
			check: func(t *testing.T, p groupPlan) {
				if aws.ToString(p.update.VPCZoneIdentifier) != "subnet-1,subnet-3" || p.update.AvailabilityZones != nil {
					t.Errorf("update = %+v", p.update)
				}
			},
		},
		{
			name: "zones of a VPC group come from its subnets",
			spec: func(in *GroupInput) { in.Spec.AvailabilityZones = []string{"us-east-1c"} },
		},
		{
			name: "zones of a zone-only group",
			spec: func(in *GroupInput) {
				in.Spec.VPCZoneIdentifier = nil
				in.Spec.AvailabilityZones = []string{"us-east-1c", "us-east-1a"}
			},
			changed: []string{"AvailabilityZones"},
			check: func(t *testing.T, p groupPlan) {
				if !slices.Equal(p.update.AvailabilityZones, []string{"us-east-1a", "us-east-1c"}) {
					t.Errorf("zones = %v", p.update.AvailabilityZones)
				}
			},
		},
		{
			name: "scalar fields set in the spec",
			spec: func(in *GroupInput) {
				in.Spec.HealthCheckType = "ELB"
				in.Spec.HealthCheckGracePeriod = int32p(60)
				in.Spec.DefaultCooldown = int32p(30)
				in.Spec.MaxInstanceLifetime = int32p(86400)
				in.Spec.NewInstancesProtectedFromScaleIn = boolp(true)
				in.Spec.CapacityRebalance = boolp(true)
				in.Spec.TerminationPolicies = []string{"OldestInstance", "Default"}
			},
			changed: []string{"HealthCheckType", "HealthCheckGracePeriod", "DefaultCooldown", "TerminationPolicies",
				"MaxInstanceLifetime", "NewInstancesProtectedFromScaleIn", "CapacityRebalance"},
		},
		{
			name: "termination policies are ordered",
			spec: func(in *GroupInput) { in.Spec.TerminationPolicies = []string{"NewestInstance", "OldestInstance"} },
			aws: func(g *astypes.AutoScalingGroup) {
				g.TerminationPolicies = []string{"OldestInstance", "NewestInstance"}
			},
			changed: []string{"TerminationPolicies"},
		},
		{
			name: "tags: changed value, changed propagation, new, removed",
			spec: func(in *GroupInput) {
				in.Spec.Tags = []ec2v1alpha1.Tag{
					{Key: "team", Value: "web", PropagateAtLaunch: false},
					{Key: "cost", Value: "42"},
				}
			},
			changed: []string{"Tags"},
			check: func(t *testing.T, p groupPlan) {
				want := []ec2v1alpha1.Tag{{Key: "cost", Value: "42"}, {Key: "team", Value: "web"}}
				if d := cmp.Diff(want, p.putTags); d != "" {
					t.Errorf("putTags (-want +got):\n%s", d)
				}
				if !slices.Equal(p.deleteTags, []string{"env"}) {
					t.Errorf("deleteTags = %v", p.deleteTags)
				}
				if p.update != nil {
					t.Errorf("tags alone must not update the group: %+v", p.update)
				}
			},
		},
		{
			name: "a reserved tag in the spec is ignored",
			spec: func(in *GroupInput) {
				in.Spec.Tags = append(in.Spec.Tags, ec2v1alpha1.Tag{Key: ec2v1alpha1.OwnerTagKey, Value: "someone/else"})
			},
		},
		{
			name: "load balancers and target groups",
			spec: func(in *GroupInput) {
				in.Spec.LoadBalancerNames = []string{"lb-c", "lb-a"}
				in.Spec.TargetGroupARNs = nil
			},
			changed: []string{"LoadBalancerNames", "TargetGroupARNs"},
			check: func(t *testing.T, p groupPlan) {
				if !slices.Equal(p.attachLoadBalancers, []string{"lb-c"}) || !slices.Equal(p.detachLoadBalancers, []string{"lb-b"}) ||
					len(p.attachTargetGroups) != 0 || len(p.detachTargetGroups) != 2 {
					t.Errorf("plan = %+v", p)
				}
			},
		},
		{
			name:    "suspended processes",
			spec:    func(in *GroupInput) { in.Spec.SuspendedProcesses = []string{"Launch", "AZRebalance"} },
			changed: []string{"SuspendedProcesses"},
			check: func(t *testing.T, p groupPlan) {
				if !slices.Equal(p.suspendProcesses, []string{"Launch"}) || !slices.Equal(p.resumeProcesses, []string{"AlarmNotification"}) {
					t.Errorf("plan = %+v", p)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := baseInput()
			if c.spec != nil {
				c.spec(in)
			}
			sdk := baseSDKGroup()
			if c.aws != nil {
				c.aws(&sdk)
			}
			p := planGroupUpdate(in, groupFromSDK(sdk))
			if !slices.Equal(p.changedFields, c.changed) {
				t.Errorf("changed = %v, want %v", p.changedFields, c.changed)
			}
			if p.empty() != (len(c.changed) == 0) {
				t.Errorf("empty() = %v with changes %v", p.empty(), p.changedFields)
			}
			if c.check != nil {
				c.check(t, p)
			}
		})
	}
}

func TestCreateGroupInput(t *testing.T) {
	in := baseInput()
	in.Spec.DesiredCapacity = aws.Int32(2)
	out := createGroupInput(in)
	if aws.ToString(out.VPCZoneIdentifier) != "subnet-1,subnet-2" || aws.ToInt32(out.DesiredCapacity) != 2 ||
		out.HealthCheckType != nil || aws.ToString(out.LaunchConfigurationName) != "default-web-abc123" {
		t.Errorf("input = %+v", out)
	}
	var keys []string
	for _, tg := range out.Tags {
		keys = append(keys, aws.ToString(tg.Key))
		if aws.ToString(tg.ResourceId) != "web" || aws.ToString(tg.ResourceType) != "auto-scaling-group" {
			t.Errorf("tag %+v", tg)
		}
		if aws.ToString(tg.Key) == ec2v1alpha1.OwnerTagKey && aws.ToBool(tg.PropagateAtLaunch) {
			t.Errorf("owner tag propagates to instances")
		}
	}
	if !slices.Equal(keys, []string{"env", "team", ec2v1alpha1.OwnerTagKey}) {
		t.Errorf("tags = %v", keys)
	}
	// The group created from the spec plans no change once AWS reports it back.
	created := baseSDKGroup()
	if p := planGroupUpdate(baseInput(), groupFromSDK(created)); !p.empty() {
		t.Errorf("created group plans %v", p.changedFields)
	}
}

func TestCreateLaunchConfigurationInput(t *testing.T) {
	spec := &ec2v1alpha1.LaunchConfigurationSpec{
		ImageID:                  "ami-1",
		InstanceType:             "t3.micro",
		KeyName:                  "key",
		SecurityGroups:           []string{"sg-1"},
		IAMInstanceProfile:       "profile",
		InstanceMonitoring:       aws.Bool(false),
		AssociatePublicIPAddress: aws.Bool(true),
		EBSOptimized:             aws.Bool(true),
		SpotPrice:                "0.05",
		PlacementTenancy:         "dedicated",
		BlockDeviceMappings: []ec2v1alpha1.BlockDeviceMapping{{
			DeviceName: "/dev/sdh",
			EBS:        ec2v1alpha1.EBSVolume{VolumeSize: aws.Int32(10), VolumeType: "gp3", Encrypted: aws.Bool(true)},
		}},
		MetadataOptions: &ec2v1alpha1.MetadataOptions{HTTPTokens: "required", HTTPPutResponseHopLimit: aws.Int32(2)},
	}
	in := createLaunchConfigurationInput("default-web-abc", spec, "#!/bin/sh\necho hi\n")
	ud, err := base64.StdEncoding.DecodeString(aws.ToString(in.UserData))
	if err != nil || string(ud) != "#!/bin/sh\necho hi\n" {
		t.Errorf("user data %q (%v)", ud, err)
	}
	if aws.ToString(in.LaunchConfigurationName) != "default-web-abc" || aws.ToString(in.ImageId) != "ami-1" ||
		aws.ToString(in.InstanceType) != "t3.micro" || aws.ToString(in.KeyName) != "key" ||
		aws.ToString(in.IamInstanceProfile) != "profile" || aws.ToBool(in.InstanceMonitoring.Enabled) ||
		!aws.ToBool(in.AssociatePublicIpAddress) || !aws.ToBool(in.EbsOptimized) || aws.ToString(in.SpotPrice) != "0.05" ||
		aws.ToString(in.PlacementTenancy) != "dedicated" || !slices.Equal(in.SecurityGroups, []string{"sg-1"}) {
		t.Errorf("input = %+v", in)
	}
	if bd := in.BlockDeviceMappings; len(bd) != 1 || aws.ToString(bd[0].DeviceName) != "/dev/sdh" ||
		aws.ToInt32(bd[0].Ebs.VolumeSize) != 10 || aws.ToString(bd[0].Ebs.VolumeType) != "gp3" || !aws.ToBool(bd[0].Ebs.Encrypted) ||
		bd[0].Ebs.DeleteOnTermination != nil {
		t.Errorf("block devices = %+v", bd)
	}
	if mo := in.MetadataOptions; mo == nil || mo.HttpTokens != astypes.InstanceMetadataHttpTokensStateRequired ||
		aws.ToInt32(mo.HttpPutResponseHopLimit) != 2 || mo.HttpEndpoint != "" {
		t.Errorf("metadata options = %+v", mo)
	}

	minimal := createLaunchConfigurationInput("m", &ec2v1alpha1.LaunchConfigurationSpec{ImageID: "ami-1", MetadataOptions: &ec2v1alpha1.MetadataOptions{}}, "")
	if minimal.UserData != nil || minimal.InstanceType != nil || minimal.MetadataOptions != nil || minimal.InstanceMonitoring != nil {
		t.Errorf("minimal input = %+v", minimal)
	}
}

func TestPolicies(t *testing.T) {
	percent := &PolicyInput{Group: "g", Name: "up", AdjustmentType: AdjustmentPercentChangeInCapacity, ScalingAdjustment: 10}
	in := putPolicyInput(percent)
	if aws.ToInt32(in.MinAdjustmentMagnitude) != 1 || aws.ToString(in.PolicyType) != "SimpleScaling" || !aws.ToBool(in.Enabled) {
		t.Errorf("percent input = %+v", in)
	}
	change := &PolicyInput{Group: "g", Name: "down", AdjustmentType: AdjustmentChangeInCapacity, ScalingAdjustment: -1, Cooldown: aws.Int32(60)}
	if in := putPolicyInput(change); in.MinAdjustmentMagnitude != nil || aws.ToInt32(in.Cooldown) != 60 {
		t.Errorf("change input = %+v", in)
	}

	sdk := astypes.ScalingPolicy{
		PolicyARN: aws.String("arn:p"), PolicyName: aws.String("up"), AutoScalingGroupName: aws.String("g"),
		PolicyType: aws.String("SimpleScaling"), AdjustmentType: aws.String(AdjustmentPercentChangeInCapacity),
		ScalingAdjustment: aws.Int32(10), MinAdjustmentMagnitude: aws.Int32(1),
	}
	cur := policyFromSDK(sdk)
	if !policyUpToDate(percent, cur) {
		t.Errorf("policy from AWS not up to date: %+v", cur)
	}
	if !policyUpToDate(change, policyFromInput(change, "arn:q")) || !policyUpToDate(percent, policyFromInput(percent, "arn:p")) {
		t.Errorf("policy as put is not up to date")
	}
	mutations := map[string]func(p *Policy){
		"adjustment":  func(p *Policy) { p.ScalingAdjustment = 20 },
		"type":        func(p *Policy) { p.AdjustmentType = AdjustmentChangeInCapacity },
		"policy type": func(p *Policy) { p.PolicyType = "StepScaling" },
		"cooldown":    func(p *Policy) { p.Cooldown = aws.Int32(10) },
		"magnitude":   func(p *Policy) { p.MinAdjustmentMagnitude = nil },
		"disabled":    func(p *Policy) { p.Enabled = false },
	}
	for name, mutate := range mutations {
		p := clonePolicy(cur)
		mutate(p)
		if policyUpToDate(percent, p) {
			t.Errorf("%s: a changed policy is up to date", name)
		}
	}
	if policyUpToDate(percent, nil) {
		t.Errorf("a missing policy is up to date")
	}
}

func TestAlarms(t *testing.T) {
	in := &AlarmInput{
		Name: "default-cpu-upper", Namespace: "AWS/EC2", MetricName: "CPUUtilization", Statistic: "Average",
		Unit: "Percent", Dimensions: map[string]string{"AutoScalingGroupName": "web", "B": "x"},
		Period: 60, EvaluationPeriods: 2, Threshold: 80, ComparisonOperator: "GreaterThanThreshold",
		AlarmActions: []string{"arn:p"}, OwnerTag: "c/default/cpu",
	}
	put := putAlarmInput(in)
	if len(put.Dimensions) != 2 || aws.ToString(put.Dimensions[0].Name) != "AutoScalingGroupName" ||
		len(put.Tags) != 1 || aws.ToString(put.Tags[0].Value) != "c/default/cpu" || !aws.ToBool(put.ActionsEnabled) ||
		put.Unit != cwtypes.StandardUnitPercent {
		t.Errorf("put = %+v", put)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	sdk := cwtypes.MetricAlarm{
		AlarmName: aws.String(in.Name), AlarmArn: aws.String("arn:alarm"), Namespace: aws.String("AWS/EC2"),
		MetricName: aws.String("CPUUtilization"), Statistic: cwtypes.StatisticAverage, Unit: cwtypes.StandardUnitPercent,
		Dimensions: []cwtypes.Dimension{{Name: aws.String("B"), Value: aws.String("x")}, {Name: aws.String("AutoScalingGroupName"), Value: aws.String("web")}},
		Period:     aws.Int32(60), EvaluationPeriods: aws.Int32(2), Threshold: aws.Float64(80),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, AlarmActions: []string{"arn:p"},
		ActionsEnabled: aws.Bool(true), StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("Threshold Crossed"),
		StateUpdatedTimestamp: &now,
	}
	cur := alarmFromSDK(sdk)
	if !alarmUpToDate(in, cur) {
		t.Errorf("alarm from AWS not up to date: %+v", cur)
	}
	if cur.StateValue != "ALARM" || cur.ARN != "arn:alarm" || !cur.StateTransitionedTimestamp.Equal(now) {
		t.Errorf("alarm = %+v", cur)
	}
	mutations := map[string]func(a *Alarm){
		"threshold":  func(a *Alarm) { a.Threshold = 81 },
		"period":     func(a *Alarm) { a.Period = 300 },
		"evals":      func(a *Alarm) { a.EvaluationPeriods = 3 },
		"operator":   func(a *Alarm) { a.ComparisonOperator = "LessThanThreshold" },
		"dimensions": func(a *Alarm) { a.Dimensions["B"] = "y" },
		"actions":    func(a *Alarm) { a.AlarmActions = nil },
		"disabled":   func(a *Alarm) { a.ActionsEnabled = false },
		"unit":       func(a *Alarm) { a.Unit = "" },
		"statistic":  func(a *Alarm) { a.Statistic = "Maximum" },
		"metric":     func(a *Alarm) { a.MetricName = "NetworkIn" },
	}
	for name, mutate := range mutations {
		a := cloneAlarm(cur)
		mutate(a)
		if alarmUpToDate(in, a) {
			t.Errorf("%s: a changed alarm is up to date", name)
		}
		if !alarmUpToDate(in, cur) {
			t.Fatalf("%s: cloneAlarm shares state", name)
		}
	}
	noUnit := *in
	noUnit.Unit = ""
	if put := putAlarmInput(&noUnit); put.Unit != "" {
		t.Errorf("unit sent though unset")
	}
	a := cloneAlarm(cur)
	a.Unit = "None"
	if !alarmUpToDate(&noUnit, a) {
		t.Errorf("unit None differs from unset")
	}
}

func TestActivityFromSDK(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))
	a := activityFromSDK(astypes.Activity{
		ActivityId: aws.String("a1"), AutoScalingGroupName: aws.String("g"), Cause: aws.String("c"),
		Description: aws.String("d"), StatusCode: astypes.ScalingActivityStatusCodeInProgress, Progress: aws.Int32(30),
		StartTime: &start,
	})
	if a.ActivityID != "a1" || a.StatusCode != "InProgress" || a.Progress != 30 || a.EndTime != nil ||
		a.StartTime.Location() != time.UTC || !a.StartTime.Time.Equal(start) || activityDone(&a) {
		t.Errorf("activity = %+v", a)
	}
	for _, code := range []string{"Successful", "Failed", "Cancelled"} {
		if !activityDone(&Activity{StatusCode: code}) {
			t.Errorf("%s is not final", code)
		}
	}
}

func TestNormalizedSet(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"subnet-1", []string{"subnet-1"}},
		{"subnet-2,subnet-1", []string{"subnet-1", "subnet-2"}},
		{" subnet-1 ,, subnet-1", []string{"subnet-1"}}, // AWS tolerates blanks and repeats
		{",", nil},
	}
	for _, c := range cases {
		if got := splitZoneIdentifier(aws.String(c.in)); !slices.Equal(got, c.want) {
			t.Errorf("split(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	if splitZoneIdentifier(nil) != nil || joinZoneIdentifier(nil) != nil {
		t.Errorf("nil mishandled")
	}
}

// FuzzZoneIdentifier: splitting AWS's comma-separated subnets, joining them and splitting again
// is stable, and the result is a sorted set without blanks.
func FuzzZoneIdentifier(f *testing.F) {
	for _, s := range []string{"", "subnet-1", "subnet-2,subnet-1", " a , b,,a", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set := splitZoneIdentifier(&s)
		if !slices.IsSorted(set) || len(slices.Compact(slices.Clone(set))) != len(set) {
			t.Fatalf("not a sorted set: %q", set)
		}
		for _, e := range set {
			if e == "" || strings.Contains(e, ",") || strings.TrimSpace(e) != e {
				t.Fatalf("bad element %q", e)
			}
		}
		again := splitZoneIdentifier(joinZoneIdentifier(set))
		if !slices.Equal(set, again) {
			t.Fatalf("split(join(%q)) = %q", set, again)
		}
	})
}

// FuzzDiffTags: applying the planned puts and deletes to what AWS has yields exactly the spec's
// user tags, and reserved tags are never touched.
func FuzzDiffTags(f *testing.F) {
	f.Add("a=1,b=2", "b=3,c=4,autoscale-operator.io/owner=x")
	f.Add("", "aws:x=1")
	f.Add("k=v", "k=v")
	f.Fuzz(func(t *testing.T, want, have string) {
		parse := func(s string) []ec2v1alpha1.Tag {
			var out []ec2v1alpha1.Tag
			seen := map[string]bool{}
			for _, kv := range strings.Split(s, ",") {
				k, v, _ := strings.Cut(kv, "=")
				if k == "" || seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, ec2v1alpha1.Tag{Key: k, Value: v, PropagateAtLaunch: len(v)%2 == 1})
			}
			return out
		}
		w, h := parse(want), parse(have)
		put, del := diffTags(w, h)
		result := map[string]ec2v1alpha1.Tag{}
		for _, tg := range h {
			result[tg.Key] = tg
		}
		for _, k := range del {
			if isReservedTag(k) {
				t.Fatalf("deletes reserved tag %q", k)
			}
			delete(result, k)
		}
		for _, tg := range put {
			if isReservedTag(tg.Key) {
				t.Fatalf("puts reserved tag %q", tg.Key)
			}
			result[tg.Key] = tg
		}
		expect := map[string]ec2v1alpha1.Tag{}
		for _, tg := range h {
			if isReservedTag(tg.Key) {
				expect[tg.Key] = tg
			}
		}
		for _, tg := range userTags(w) {
			expect[tg.Key] = tg
		}
		if d := cmp.Diff(expect, result); d != "" {
			t.Fatalf("after the plan (-want +got):\n%s", d)
		}
		// A second plan against the result is empty.
		var after []ec2v1alpha1.Tag
		for _, tg := range result {
			after = append(after, tg)
		}
		if put, del := diffTags(w, after); len(put)+len(del) != 0 {
			t.Fatalf("not idempotent: put %v del %v", put, del)
		}
	})
}
