package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// M is a JSON object: a spec, or a part of one.
type M = map[string]any

// The smallest valid spec of each kind. Each case changes one thing.
func validSpec(kind string) M {
	switch kind {
	case "LaunchConfiguration":
		return M{"imageId": "ami-0abcdef1234567890"}
	case "AutoScalingGroup":
		return M{
			"launchConfigurationRef": M{"name": "web"},
			"minSize":                1,
			"maxSize":                3,
			"availabilityZones":      []any{"us-east-1a"},
		}
	case "Trigger":
		return M{
			"autoScalingGroupRef":       M{"name": "web"},
			"period":                    60,
			"breachDuration":            360,
			"lowerThreshold":            40,
			"lowerBreachScaleIncrement": "-5",
			"upperThreshold":            80,
			"upperBreachScaleIncrement": "10",
		}
	}
	panic("unknown kind " + kind)
}

// admissionCase is one object sent to the API server. With update set, the object is first
// created from spec (which must succeed) and then updated with the change.
type admissionCase struct {
	name   string
	kind   string
	spec   func(M) // applied to validSpec(kind) before the create; nil keeps it
	update func(M) // applied to the created object's spec before an update; nil means create only
	want   string  // bad cases: a substring of the API server's message
	check  M       // good cases: dotted paths and their values after the write (defaults)
}

const (
	lcKind  = "LaunchConfiguration"
	asgKind = "AutoScalingGroup"
	trgKind = "Trigger"
)

// badCases is the catalog of input the API server must reject, with the message a user sees.
var badCases = []admissionCase{
	// LaunchConfiguration
	{name: "imageId missing", kind: lcKind, spec: del("imageId"), want: "spec.imageId: Required value"},
	{name: "imageId empty", kind: lcKind, spec: set("imageId", ""), want: "spec.imageId in body should be at least 1 chars long"},
	{name: "userData and userDataSecretRef both set", kind: lcKind,
		spec: set("userData", "#!/bin/sh", "userDataSecretRef", M{"name": "user-data", "key": "script"}),
		want: "userData and userDataSecretRef are mutually exclusive: set at most one"},
	{name: "userDataSecretRef name empty", kind: lcKind, spec: set("userDataSecretRef", M{"name": "", "key": "script"}),
		want: "spec.userDataSecretRef.name in body should be at least 1 chars long"},
	{name: "userDataSecretRef name not an object name", kind: lcKind, spec: set("userDataSecretRef", M{"name": "User_Data", "key": "script"}),
		want: "must be the name of a Secret"},
	{name: "userDataSecretRef key missing", kind: lcKind, spec: set("userDataSecretRef", M{"name": "user-data"}),
		want: "spec.userDataSecretRef.key: Required value"},
	{name: "userDataSecretRef key with a slash", kind: lcKind, spec: set("userDataSecretRef", M{"name": "user-data", "key": "a/b"}),
		want: "spec.userDataSecretRef.key in body should match"},
	{name: "userData over 16 KiB", kind: lcKind, spec: set("userData", strings.Repeat("x", 16385)),
		want: "spec.userData: Too long"},
	{name: "instanceType malformed", kind: lcKind, spec: set("instanceType", "T3 Micro"), want: "spec.instanceType in body should match"},
	{name: "securityGroups duplicated", kind: lcKind, spec: set("securityGroups", []any{"sg-1", "sg-1"}),
		want: `spec.securityGroups[1]: Duplicate value: "sg-1"`},
	{name: "securityGroups over 60", kind: lcKind, spec: set("securityGroups", names("sg-", 61)), want: "spec.securityGroups: Too many: 61: must have at most 60 items"},
	{name: "spotPrice not a price", kind: lcKind, spec: set("spotPrice", "cheap"), want: "spec.spotPrice in body should match"},
	{name: "placementTenancy unknown", kind: lcKind, spec: set("placementTenancy", "host"),
		want: `spec.placementTenancy: Unsupported value: "host": supported values: "default", "dedicated"`},
	{name: "metadataOptions.httpTokens unknown", kind: lcKind, spec: set("metadataOptions", M{"httpTokens": "maybe"}),
		want: `spec.metadataOptions.httpTokens: Unsupported value: "maybe": supported values: "optional", "required"`},
	{name: "metadataOptions.httpPutResponseHopLimit 0", kind: lcKind, spec: set("metadataOptions", M{"httpPutResponseHopLimit": 0}),
		want: "spec.metadataOptions.httpPutResponseHopLimit in body should be greater than or equal to 1"},
	{name: "metadataOptions.httpPutResponseHopLimit 65", kind: lcKind, spec: set("metadataOptions", M{"httpPutResponseHopLimit": 65}),
		want: "spec.metadataOptions.httpPutResponseHopLimit in body should be less than or equal to 64"},
	{name: "io1 volume too small", kind: lcKind, spec: set("blockDeviceMappings", []any{M{"deviceName": "/dev/sdh", "ebs": M{"volumeType": "io1", "volumeSize": 2}}}),
		want: "io1 and io2 volumes need a volumeSize of at least 4 GiB"},
	{name: "volumeSize 0", kind: lcKind, spec: set("blockDeviceMappings", []any{M{"deviceName": "/dev/sdh", "ebs": M{"volumeSize": 0}}}),
		want: "spec.blockDeviceMappings[0].ebs.volumeSize in body should be greater than or equal to 1"},
	{name: "volumeType unknown", kind: lcKind, spec: set("blockDeviceMappings", []any{M{"deviceName": "/dev/sdh", "ebs": M{"volumeType": "gp9"}}}),
		want: `spec.blockDeviceMappings[0].ebs.volumeType: Unsupported value: "gp9"`},
	{name: "blockDeviceMappings device twice", kind: lcKind,
		spec: set("blockDeviceMappings", []any{M{"deviceName": "/dev/sdh", "ebs": M{}}, M{"deviceName": "/dev/sdh", "ebs": M{"volumeSize": 8}}}),
		want: "spec.blockDeviceMappings[1]: Duplicate value"},
	{name: "region malformed", kind: lcKind, spec: set("region", "Mars"), want: "spec.region in body should match"},
	{name: "deletionPolicy unknown", kind: lcKind, spec: set("deletionPolicy", "Keep"),
		want: `spec.deletionPolicy: Unsupported value: "Keep": supported values: "Delete", "Orphan"`},
	{name: "region changed", kind: lcKind, spec: set("region", "us-east-1"), update: set("region", "eu-west-1"),
		want: "region is immutable: create a new object in the other region"},
	{name: "region added", kind: lcKind, update: set("region", "eu-west-1"), want: "region is immutable"},
	{name: "region removed", kind: lcKind, spec: set("region", "us-east-1"), update: del("region"), want: "region is immutable"},

	// AutoScalingGroup
	{name: "minSize above maxSize", kind: asgKind, spec: set("minSize", 4, "maxSize", 2), want: "minSize must be less than or equal to maxSize"},
	{name: "desiredCapacity below minSize", kind: asgKind, spec: set("desiredCapacity", 0), want: "desiredCapacity must be between minSize and maxSize"},
	{name: "desiredCapacity above maxSize", kind: asgKind, spec: set("desiredCapacity", 4), want: "desiredCapacity must be between minSize and maxSize"},
	{name: "no availabilityZones and no vpcZoneIdentifier", kind: asgKind, spec: del("availabilityZones"),
		want: "set availabilityZones, vpcZoneIdentifier, or both: a group needs somewhere to launch instances"},
	{name: "availabilityZones and vpcZoneIdentifier both empty", kind: asgKind, spec: set("availabilityZones", []any{}, "vpcZoneIdentifier", []any{}),
		want: "set availabilityZones, vpcZoneIdentifier, or both"},
	{name: "minSize negative", kind: asgKind, spec: set("minSize", -1), want: "spec.minSize in body should be greater than or equal to 0"},
	{name: "maxSize negative", kind: asgKind, spec: set("minSize", 0, "maxSize", -1), want: "spec.maxSize in body should be greater than or equal to 0"},
	{name: "desiredCapacity negative", kind: asgKind, spec: set("minSize", 0, "desiredCapacity", -1), want: "spec.desiredCapacity in body should be greater than or equal to 0"},
	{name: "minSize not a number", kind: asgKind, spec: set("minSize", "four"), want: "spec.minSize in body must be of type integer"},
	{name: "minSize missing", kind: asgKind, spec: del("minSize"), want: "spec.minSize: Required value"},
	{name: "maxSize missing", kind: asgKind, spec: del("maxSize"), want: "spec.maxSize: Required value"},
	{name: "launchConfigurationRef missing", kind: asgKind, spec: del("launchConfigurationRef"), want: "spec.launchConfigurationRef: Required value"},
	{name: "launchConfigurationRef name empty", kind: asgKind, spec: set("launchConfigurationRef", M{"name": ""}),
		want: "spec.launchConfigurationRef.name in body should be at least 1 chars long"},
	{name: "launchConfigurationRef name not an object name", kind: asgKind, spec: set("launchConfigurationRef", M{"name": "my_launch_config"}),
		want: "must be the name of an object"},
	{name: "healthCheckType unknown", kind: asgKind, spec: set("healthCheckType", "HTTP"),
		want: `spec.healthCheckType: Unsupported value: "HTTP": supported values: "EC2", "ELB"`},
	{name: "healthCheckGracePeriod negative", kind: asgKind, spec: set("healthCheckGracePeriod", -1),
		want: "spec.healthCheckGracePeriod in body should be greater than or equal to 0"},
	{name: "51 tags", kind: asgKind, spec: set("tags", tags(51)), want: "spec.tags: Too many: 51: must have at most 50 items"},
	{name: "tag key twice", kind: asgKind, spec: set("tags", []any{M{"key": "team", "value": "a"}, M{"key": "team", "value": "b"}}),
		want: "spec.tags[1]: Duplicate value"},
	{name: "tag key empty", kind: asgKind, spec: set("tags", []any{M{"key": ""}}), want: "spec.tags[0].key in body should be at least 1 chars long"},
	{name: "tag key reserved for the operator", kind: asgKind, spec: set("tags", []any{M{"key": "autoscale-operator.io/owner", "value": "x"}}),
		want: "tag keys starting with autoscale-operator.io/ are reserved for the operator"},
	{name: "tag key reserved by AWS", kind: asgKind, spec: set("tags", []any{M{"key": "aws:cloudformation:stack-name"}}),
		want: "tag keys starting with aws: are reserved by AWS"},
	{name: "maxInstanceLifetime under a day", kind: asgKind, spec: set("maxInstanceLifetime", 3600),
		want: "maxInstanceLifetime must be 0 or between 86400 and 31536000 seconds"},
	{name: "availabilityZone without zone letter", kind: asgKind, spec: set("availabilityZones", []any{"us-east-1"}),
		want: "spec.availabilityZones[0] in body should match"},
	{name: "vpcZoneIdentifier not a subnet", kind: asgKind, spec: set("vpcZoneIdentifier", []any{"vpc-0123"}),
		want: "spec.vpcZoneIdentifier[0] in body should match"},
	{name: "targetGroupARNs not an ELB ARN", kind: asgKind, spec: set("targetGroupARNs", []any{"my-target-group"}),
		want: "spec.targetGroupARNs[0] in body should match"},
	{name: "terminationPolicies unknown", kind: asgKind, spec: set("terminationPolicies", []any{"Random"}),
		want: `spec.terminationPolicies[0]: Unsupported value: "Random"`},
	{name: "suspendedProcesses unknown", kind: asgKind, spec: set("suspendedProcesses", []any{"Sleep"}),
		want: `spec.suspendedProcesses[0]: Unsupported value: "Sleep"`},
	{name: "activityHistoryLimit over 100", kind: asgKind, spec: set("activityHistoryLimit", 101),
		want: "spec.activityHistoryLimit in body should be less than or equal to 100"},
	{name: "minSize above maxSize on update", kind: asgKind, update: set("minSize", 5), want: "minSize must be less than or equal to maxSize"},
	{name: "group region changed", kind: asgKind, spec: set("region", "us-east-1"), update: set("region", "us-west-2"),
		want: "region is immutable: create a new object in the other region"},

	// Trigger
	{name: "period 45", kind: trgKind, spec: set("period", 45, "breachDuration", 90), want: "period must be 10, 30 or a multiple of 60 seconds"},
	{name: "period 90", kind: trgKind, spec: set("period", 90, "breachDuration", 180), want: "period must be 10, 30 or a multiple of 60 seconds"},
	{name: "period 0", kind: trgKind, spec: set("period", 0), want: "spec.period in body should be greater than or equal to 10"},
	{name: "period 5", kind: trgKind, spec: set("period", 5, "breachDuration", 10), want: "spec.period in body should be greater than or equal to 10"},
	{name: "breachDuration not a multiple of period", kind: trgKind, spec: set("breachDuration", 90), want: "breachDuration must be a multiple of period"},
	{name: "breachDuration shorter than period", kind: trgKind, spec: set("breachDuration", 30), want: "breachDuration must be a multiple of period"},
	{name: "breachDuration 0", kind: trgKind, spec: set("breachDuration", 0), want: "spec.breachDuration in body should be greater than or equal to 10"},
	{name: "breachDuration over a day", kind: trgKind, spec: set("breachDuration", 86460), want: "spec.breachDuration in body should be less than or equal to 86400"},
	{name: "breachDuration missing", kind: trgKind, spec: del("breachDuration"), want: "spec.breachDuration: Required value"},
	{name: "upperThreshold not a number", kind: trgKind, spec: set("upperThreshold", "80%"), want: "spec.upperThreshold in body must be of type number"},
	{name: "thresholds equal", kind: trgKind, spec: set("lowerThreshold", 80), want: "lowerThreshold must be less than upperThreshold"},
	{name: "thresholds inverted", kind: trgKind, spec: set("lowerThreshold", 90, "upperThreshold", 10.5), want: "lowerThreshold must be less than upperThreshold"},
	{name: "lowerBreachScaleIncrement positive", kind: trgKind, spec: set("lowerBreachScaleIncrement", "5"),
		want: `lowerBreachScaleIncrement must be zero or negative, like "-5" or "-10%"`},
	{name: "lowerBreachScaleIncrement positive percent", kind: trgKind, spec: set("lowerBreachScaleIncrement", "+5%"),
		want: "lowerBreachScaleIncrement must be zero or negative"},
	{name: "upperBreachScaleIncrement negative", kind: trgKind, spec: set("upperBreachScaleIncrement", "-10"),
		want: `upperBreachScaleIncrement must be zero or positive, like "10" or "10%"`},
	{name: "upperBreachScaleIncrement in words", kind: trgKind, spec: set("upperBreachScaleIncrement", "ten"),
		want: "spec.upperBreachScaleIncrement in body should match '^[+-]?[0-9]+%?$'"},
	{name: "lowerBreachScaleIncrement fractional", kind: trgKind, spec: set("lowerBreachScaleIncrement", "-5.5"),
		want: "spec.lowerBreachScaleIncrement in body should match '^[+-]?[0-9]+%?$'"},
	{name: "upperBreachScaleIncrement double percent", kind: trgKind, spec: set("upperBreachScaleIncrement", "5%%"),
		want: "spec.upperBreachScaleIncrement in body should match"},
	{name: "lowerBreachScaleIncrement missing", kind: trgKind, spec: del("lowerBreachScaleIncrement"), want: "spec.lowerBreachScaleIncrement: Required value"},
	{name: "statistic unknown", kind: trgKind, spec: set("statistic", "Median"),
		want: `spec.statistic: Unsupported value: "Median": supported values: "Average", "Sum", "Minimum", "Maximum", "SampleCount"`},
	{name: "unit unknown", kind: trgKind, spec: set("unit", "Percents"), want: `spec.unit: Unsupported value: "Percents"`},
	{name: "autoScalingGroupRef missing", kind: trgKind, spec: del("autoScalingGroupRef"), want: "spec.autoScalingGroupRef: Required value"},
	{name: "autoScalingGroupRef name empty", kind: trgKind, spec: set("autoScalingGroupRef", M{"name": ""}),
		want: "spec.autoScalingGroupRef.name in body should be at least 1 chars long"},
	{name: "metricName empty", kind: trgKind, spec: set("metricName", ""), want: "spec.metricName in body should be at least 1 chars long"},
	{name: "dimension name twice", kind: trgKind,
		spec: set("dimensions", []any{M{"name": "AutoScalingGroupName", "value": "a"}, M{"name": "AutoScalingGroupName", "value": "b"}}),
		want: "spec.dimensions[1]: Duplicate value"},
	{name: "dimension value empty", kind: trgKind, spec: set("dimensions", []any{M{"name": "AutoScalingGroupName", "value": ""}}),
		want: "spec.dimensions[0].value in body should be at least 1 chars long"},
	{name: "cooldown negative", kind: trgKind, spec: set("cooldown", -1), want: "spec.cooldown in body should be greater than or equal to 0"},
	{name: "autoScalingGroupRef changed", kind: trgKind, update: set("autoScalingGroupRef", M{"name": "other"}),
		want: "autoScalingGroupRef is immutable: create a new Trigger for the other group"},
	{name: "trigger region changed", kind: trgKind, spec: set("region", "us-east-1"), update: set("region", "us-east-2"),
		want: "region is immutable"},
	{name: "period changed to 45 on update", kind: trgKind, update: set("period", 45, "breachDuration", 90),
		want: "period must be 10, 30 or a multiple of 60 seconds"},
}

// goodCases are edge cases the API server must accept, with the defaults it must fill in.
var goodCases = []admissionCase{
	// LaunchConfiguration
	{name: "minimal launch configuration is defaulted", kind: lcKind, check: M{
		"spec.instanceType": "t3.micro", "spec.metadataOptions.httpTokens": "required", "spec.deletionPolicy": "Delete"}},
	{name: "userData alone", kind: lcKind, spec: set("userData", "#!/bin/sh\necho hello\n")},
	{name: "empty userData", kind: lcKind, spec: set("userData", "")},
	{name: "userDataSecretRef alone", kind: lcKind, spec: set("userDataSecretRef", M{"name": "user-data", "key": "cloud-init.sh"})},
	{name: "userData of exactly 16 KiB", kind: lcKind, spec: set("userData", strings.Repeat("x", 16384))},
	{name: "every launch configuration field", kind: lcKind, spec: set(
		"region", "us-gov-west-1", "deletionPolicy", "Orphan", "instanceType", "m5.large", "keyName", "my_key_name",
		"securityGroups", names("sg-", 60), "iamInstanceProfile", "arn:aws:iam::123456789012:instance-profile/web",
		"instanceMonitoring", false, "associatePublicIpAddress", true, "ebsOptimized", true, "spotPrice", "0.05",
		"placementTenancy", "dedicated",
		"blockDeviceMappings", []any{
			M{"deviceName": "/dev/sdh", "ebs": M{"volumeType": "io1", "volumeSize": 4, "deleteOnTermination": true, "encrypted": true}},
			M{"deviceName": "xvdi", "ebs": M{"volumeType": "gp3"}}},
		"metadataOptions", M{"httpTokens": "optional", "httpPutResponseHopLimit": 64, "httpEndpoint": "enabled"}),
		check: M{"spec.metadataOptions.httpTokens": "optional", "spec.deletionPolicy": "Orphan"}},
	{name: "metadataOptions without httpTokens gets required", kind: lcKind, spec: set("metadataOptions", M{"httpPutResponseHopLimit": 1}),
		check: M{"spec.metadataOptions.httpTokens": "required"}},
	{name: "launch configuration spec changes except region", kind: lcKind, spec: set("region", "us-east-1"),
		update: set("imageId", "ami-1", "instanceType", "c5.xlarge", "userDataSecretRef", M{"name": "s", "key": "k"}),
		check:  M{"spec.imageId": "ami-1", "spec.region": "us-east-1"}},

	// AutoScalingGroup
	{name: "group is defaulted", kind: asgKind, check: M{
		"spec.activityHistoryLimit": int64(10), "spec.healthCheckType": "EC2", "spec.deletionPolicy": "Delete", "spec.forceDelete": nil}},
	{name: "desired == min == max", kind: asgKind, spec: set("minSize", 2, "maxSize", 2, "desiredCapacity", 2)},
	{name: "min 0 max 0", kind: asgKind, spec: set("minSize", 0, "maxSize", 0)},
	{name: "min 0 max 0 desired 0", kind: asgKind, spec: set("minSize", 0, "maxSize", 0, "desiredCapacity", 0)},
	{name: "desiredCapacity at maxSize", kind: asgKind, spec: set("desiredCapacity", 3)},
	{name: "vpcZoneIdentifier only", kind: asgKind, spec: and(del("availabilityZones"), set("vpcZoneIdentifier", []any{"subnet-0123abcd", "subnet-4567ef"}))},
	{name: "availabilityZones and vpcZoneIdentifier", kind: asgKind, spec: set("vpcZoneIdentifier", []any{"subnet-0123abcd"})},
	{name: "50 tags", kind: asgKind, spec: set("tags", tags(50))},
	{name: "tag with empty value", kind: asgKind, spec: set("tags", []any{M{"key": "Name", "propagateAtLaunch": true}})},
	{name: "maxInstanceLifetime 0", kind: asgKind, spec: set("maxInstanceLifetime", 0)},
	{name: "maxInstanceLifetime one day", kind: asgKind, spec: set("maxInstanceLifetime", 86400)},
	{name: "maxInstanceLifetime one year", kind: asgKind, spec: set("maxInstanceLifetime", 31536000)},
	{name: "activityHistoryLimit 0", kind: asgKind, spec: set("activityHistoryLimit", 0), check: M{"spec.activityHistoryLimit": int64(0)}},
	{name: "activityHistoryLimit 100", kind: asgKind, spec: set("activityHistoryLimit", 100)},
	{name: "every group field", kind: asgKind, spec: set(
		"region", "eu-west-1", "deletionPolicy", "Orphan", "desiredCapacity", 2,
		"availabilityZones", []any{"eu-west-1a", "eu-west-1b"}, "vpcZoneIdentifier", []any{"subnet-1", "subnet-2"},
		"loadBalancerNames", []any{"my-lb"}, "targetGroupARNs", []any{"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef"},
		"healthCheckType", "ELB", "healthCheckGracePeriod", 300, "defaultCooldown", 300,
		"terminationPolicies", []any{"OldestLaunchConfiguration", "Default"}, "suspendedProcesses", []any{"AZRebalance"},
		"tags", []any{M{"key": "team", "value": "web", "propagateAtLaunch": true}}, "maxInstanceLifetime", 604800,
		"newInstancesProtectedFromScaleIn", true, "capacityRebalance", true, "activityHistoryLimit", 25, "forceDelete", true)},
	{name: "group spec changes except region", kind: asgKind, spec: set("region", "us-east-1"),
		update: set("launchConfigurationRef", M{"name": "web-v2"}, "minSize", 0, "maxSize", 8, "desiredCapacity", 8,
			"availabilityZones", []any{"us-east-1b"}, "deletionPolicy", "Orphan"),
		check: M{"spec.launchConfigurationRef.name": "web-v2", "spec.maxSize": int64(8)}},
	{name: "desiredCapacity removed", kind: asgKind, spec: set("desiredCapacity", 2), update: del("desiredCapacity"),
		check: M{"spec.desiredCapacity": nil}},

	// Trigger
	{name: "trigger is defaulted", kind: trgKind, spec: del("period"), check: M{
		"spec.metricName": "CPUUtilization", "spec.namespace": "AWS/EC2", "spec.statistic": "Average",
		"spec.period": int64(60), "spec.deletionPolicy": "Delete"}},
	{name: "period 10", kind: trgKind, spec: set("period", 10, "breachDuration", 10)},
	{name: "period 30", kind: trgKind, spec: set("period", 30, "breachDuration", 90)},
	{name: "period 120", kind: trgKind, spec: set("period", 120, "breachDuration", 240)},
	{name: "breachDuration == period", kind: trgKind, spec: set("breachDuration", 60)},
	{name: "breachDuration one day", kind: trgKind, spec: set("breachDuration", 86400)},
	{name: "period one day", kind: trgKind, spec: set("period", 86400, "breachDuration", 86400)},
	{name: `increments "-0" and "+10%"`, kind: trgKind, spec: set("lowerBreachScaleIncrement", "-0", "upperBreachScaleIncrement", "+10%")},
	{name: `increments "0%" and "0%"`, kind: trgKind, spec: set("lowerBreachScaleIncrement", "0%", "upperBreachScaleIncrement", "0%")},
	{name: `increments "-10%" and "0"`, kind: trgKind, spec: set("lowerBreachScaleIncrement", "-10%", "upperBreachScaleIncrement", "0")},
	{name: `increments "+0" and "-0"`, kind: trgKind, spec: set("lowerBreachScaleIncrement", "+0", "upperBreachScaleIncrement", "-0")},
	{name: "fractional and negative thresholds", kind: trgKind, spec: set("lowerThreshold", -1.5, "upperThreshold", 0.25)},
	{name: "every trigger field", kind: trgKind, spec: set(
		"region", "us-east-1", "deletionPolicy", "Orphan", "metricName", "RequestCount", "namespace", "AWS/ELB",
		"statistic", "Sum", "unit", "Count/Second", "dimensions", []any{M{"name": "LoadBalancerName", "value": "my-lb"}, M{"name": "AvailabilityZone", "value": "us-east-1a"}},
		"cooldown", 120)},
	{name: "trigger spec changes except group and region", kind: trgKind, spec: set("region", "us-east-1"),
		update: set("metricName", "NetworkIn", "statistic", "Maximum", "period", 300, "breachDuration", 900,
			"lowerThreshold", 1000, "upperThreshold", 5000, "lowerBreachScaleIncrement", "-1", "upperBreachScaleIncrement", "50%"),
		check: M{"spec.period": int64(300), "spec.upperBreachScaleIncrement": "50%"}},
}

// TestAdmissionRejectsBadInput sends every bad case and expects the API server to refuse it with
// the catalogued message. Run with -v to see each message as users see it.
func TestAdmissionRejectsBadInput(t *testing.T) {
	if len(badCases) < 40 {
		t.Errorf("the catalog has %d bad cases; it promises at least 40", len(badCases))
	}
	ns := newNamespace(t)
	for i, tc := range badCases {
		t.Run(tc.kind+"/"+tc.name, func(t *testing.T) {
			obj := newObject(tc.kind, fmt.Sprintf("bad-%03d", i))
			obj.SetNamespace(ns)
			spec := validSpec(tc.kind)
			if tc.spec != nil {
				tc.spec(spec)
			}
			obj.Object["spec"] = spec
			err := k8sClient.Create(context.Background(), obj)
			if tc.update != nil {
				if err != nil {
					t.Fatalf("creating the object to update: %v", err)
				}
				tc.update(obj.Object["spec"].(M))
				err = k8sClient.Update(context.Background(), obj)
			}
			switch {
			case err == nil:
				t.Fatalf("accepted, want rejected with %q", tc.want)
			case !apierrors.IsInvalid(err):
				t.Fatalf("got %v, want an Invalid error with %q", err, tc.want)
			case !strings.Contains(err.Error(), tc.want):
				t.Fatalf("message\n  %s\ndoes not contain\n  %s", err, tc.want)
			}
			// A rule that fails to evaluate (a missing field, a division by zero) shows users CEL's
			// internals instead of what to fix.
			for _, internal := range []string{"evaluating rule", "no such key", "no such overload"} {
				if strings.Contains(err.Error(), internal) {
					t.Errorf("message shows a CEL evaluation error (%q): %s", internal, err)
				}
			}
			t.Log(err)
		})
	}
}

// TestAdmissionAcceptsEdgeCases sends every good case and expects it accepted and defaulted.
func TestAdmissionAcceptsEdgeCases(t *testing.T) {
	ns := newNamespace(t)
	for i, tc := range goodCases {
		t.Run(tc.kind+"/"+tc.name, func(t *testing.T) {
			obj := newObject(tc.kind, fmt.Sprintf("good-%03d", i))
			obj.SetNamespace(ns)
			spec := validSpec(tc.kind)
			if tc.spec != nil {
				tc.spec(spec)
			}
			obj.Object["spec"] = spec
			if err := k8sClient.Create(context.Background(), obj); err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if tc.update != nil {
				tc.update(obj.Object["spec"].(M))
				if err := k8sClient.Update(context.Background(), obj); err != nil {
					t.Fatalf("update rejected: %v", err)
				}
			}
			stored := get(t, ns, tc.kind, obj.GetName())
			for path, want := range tc.check {
				got, found := lookup(stored.Object, path)
				if want == nil {
					if found {
						t.Errorf("%s = %#v, want it unset", path, got)
					}
					continue
				}
				if !found || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %#v (set: %t), want %#v", path, got, found, want)
				}
			}
		})
	}
}

// newObject returns an empty object of a kind of this API.
func newObject(kind, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(ec2v1alpha1.GroupVersion.String())
	u.SetKind(kind)
	u.SetName(name)
	return u
}

// lookup returns the value at a dotted path of a JSON object.
func lookup(obj M, path string) (any, bool) {
	v, found, err := unstructured.NestedFieldNoCopy(obj, strings.Split(path, ".")...)
	return v, found && err == nil
}

// set returns a change that sets top-level spec fields: set("minSize", 4, "maxSize", 2).
func set(kv ...any) func(M) {
	if len(kv)%2 != 0 {
		panic("set needs field/value pairs")
	}
	return func(s M) {
		for i := 0; i < len(kv); i += 2 {
			s[kv[i].(string)] = kv[i+1]
		}
	}
}

// del returns a change that removes top-level spec fields.
func del(fields ...string) func(M) {
	return func(s M) {
		for _, f := range fields {
			delete(s, f)
		}
	}
}

// and combines changes.
func and(changes ...func(M)) func(M) {
	return func(s M) {
		for _, c := range changes {
			c(s)
		}
	}
}

// names returns n distinct strings prefix0, prefix1, ...
func names(prefix string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// tags returns n tags with distinct keys.
func tags(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = M{"key": fmt.Sprintf("key-%d", i), "value": "v", "propagateAtLaunch": i%2 == 0}
	}
	return out
}
