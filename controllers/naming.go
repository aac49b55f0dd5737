package controllers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// AWS name limits. Launch configuration, group, policy and alarm names are all at most 255 characters.
const maxAWSNameLen = 255

// specHashLen is how many hex digits of the spec hash go into a launch configuration's name: 40 bits
// make an accidental collision between two versions of one object practically impossible.
const specHashLen = 10

// boundedName joins parts with "-" and, when the result would exceed max, shortens the longest
// leading part and inserts a short hash of the full name, so two long names never collide by
// truncation and the same input always yields the same name. suffix is never truncated.
func boundedName(max int, suffix string, parts ...string) string {
	full := strings.Join(parts, "-")
	if suffix != "" {
		full += "-" + suffix
	}
	if len(full) <= max {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	tag := hex.EncodeToString(sum[:])[:8]
	tail := "-" + tag
	if suffix != "" {
		tail += "-" + suffix
	}
	head := strings.Join(parts, "-")
	keep := max - len(tail)
	if keep < 1 {
		keep = 1
	}
	if len(head) > keep {
		head = head[:keep]
	}
	return strings.TrimRight(head, "-") + tail
}

// launchConfigurationSpecHash hashes the parts of the spec that shape the launch configuration in
// AWS, after normalising away differences AWS does not see (order of sets, nil versus empty), plus
// the resolved user data. Region and deletionPolicy are left out: neither changes the launch
// configuration, so changing deletionPolicy must not roll the groups.
func launchConfigurationSpecHash(spec *ec2v1alpha1.LaunchConfigurationSpec, userData string) string {
	n := normalizeLaunchConfigurationSpec(spec)
	// The resolved user data, not where it came from: moving user data from the spec to a Secret
	// with the same content changes nothing in AWS.
	n.UserData = nil
	n.UserDataSecretRef = nil
	payload := struct {
		Spec     ec2v1alpha1.LaunchConfigurationSpec `json:"spec"`
		UserData string                              `json:"userData"`
	}{Spec: *n, UserData: userData}
	b, err := json.Marshal(payload)
	if err != nil {
		// The spec is plain data; Marshal cannot fail on it.
		panic(fmt.Sprintf("hashing launch configuration spec: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:specHashLen]
}

// normalizeLaunchConfigurationSpec returns a copy of spec in canonical form.
func normalizeLaunchConfigurationSpec(spec *ec2v1alpha1.LaunchConfigurationSpec) *ec2v1alpha1.LaunchConfigurationSpec {
	n := spec.DeepCopy()
	n.Region = ""
	n.DeletionPolicy = ""
	if n.InstanceType == "" {
		n.InstanceType = "t3.micro"
	}
	if len(n.SecurityGroups) == 0 {
		n.SecurityGroups = nil
	} else {
		slices.Sort(n.SecurityGroups)
		n.SecurityGroups = slices.Compact(n.SecurityGroups)
	}
	if len(n.BlockDeviceMappings) == 0 {
		n.BlockDeviceMappings = nil
	} else {
		slices.SortFunc(n.BlockDeviceMappings, func(a, b ec2v1alpha1.BlockDeviceMapping) int {
			return strings.Compare(a.DeviceName, b.DeviceName)
		})
	}
	if n.MetadataOptions == nil {
		n.MetadataOptions = &ec2v1alpha1.MetadataOptions{}
	}
	if n.MetadataOptions.HTTPTokens == "" {
		n.MetadataOptions.HTTPTokens = "required"
	}
	return n
}

// launchConfigurationAWSName is <namespace>-<name>-<hash>, shortened (with a hash of the full
// name) when it would exceed AWS's 255 characters.
func launchConfigurationAWSName(namespace, name, specHash string) string {
	return boundedName(maxAWSNameLen, specHash, namespace, name)
}

// policyName is the name of one of a trigger's scaling policies on its group. Policy names are
// scoped to the group, so namespace and name make them unique.
func policyName(trigger *ec2v1alpha1.Trigger, bound string) string {
	return boundedName(maxAWSNameLen, bound, trigger.Namespace, trigger.Name)
}

// alarmName is the name of one of a trigger's alarms. Alarm names are unique per account and
// region, so the group's name leads, which also sorts a group's alarms together in the console.
func alarmName(groupAWSName string, trigger *ec2v1alpha1.Trigger, bound string) string {
	return boundedName(maxAWSNameLen, bound, groupAWSName, trigger.Namespace, trigger.Name)
}

// parseScaleIncrement turns boto's breach scale increment ("10", "-5", "+3", "-10%") into a
// SimpleScaling adjustment type and amount.
func parseScaleIncrement(s string) (adjustmentType string, amount int32, err error) {
	v := strings.TrimSpace(s)
	adjustmentType = cloud.AdjustmentChangeInCapacity
	if strings.HasSuffix(v, "%") {
		adjustmentType = cloud.AdjustmentPercentChangeInCapacity
		v = strings.TrimSuffix(v, "%")
	}
	if v == "" || strings.ContainsAny(v, " \t") {
		return "", 0, fmt.Errorf("scale increment %q is not a whole number with an optional %%", s)
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return "", 0, fmt.Errorf("scale increment %q is not a whole number with an optional %%", s)
	}
	return adjustmentType, int32(n), nil
}

// ownerTagValue is the value of the owner tag of an object's AWS resources.
func ownerTagValue(clusterID, namespace, name string) string {
	return clusterID + "/" + namespace + "/" + name
}
