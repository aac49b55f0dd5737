package emulator

import (
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

type launchConfigXML struct {
	LaunchConfigurationName      string                        `xml:"LaunchConfigurationName"`
	LaunchConfigurationARN       string                        `xml:"LaunchConfigurationARN"`
	ImageID                      string                        `xml:"ImageId"`
	KeyName                      string                        `xml:"KeyName"`
	SecurityGroups               wire.List[string]             `xml:"SecurityGroups"`
	ClassicLinkVPCID             string                        `xml:"ClassicLinkVPCId,omitempty"`
	ClassicLinkVPCSecurityGroups wire.List[string]             `xml:"ClassicLinkVPCSecurityGroups"`
	UserData                     string                        `xml:"UserData"`
	InstanceType                 string                        `xml:"InstanceType"`
	KernelID                     string                        `xml:"KernelId"`
	RamdiskID                    string                        `xml:"RamdiskId"`
	BlockDeviceMappings          wire.List[blockDeviceMapping] `xml:"BlockDeviceMappings"`
	InstanceMonitoring           struct {
		Enabled bool `xml:"Enabled"`
	} `xml:"InstanceMonitoring"`
	SpotPrice                string                `xml:"SpotPrice,omitempty"`
	IamInstanceProfile       string                `xml:"IamInstanceProfile,omitempty"`
	CreatedTime              wire.Time             `xml:"CreatedTime"`
	EbsOptimized             bool                  `xml:"EbsOptimized"`
	AssociatePublicIPAddress *bool                 `xml:"AssociatePublicIpAddress,omitempty"`
	PlacementTenancy         string                `xml:"PlacementTenancy,omitempty"`
	MetadataOptions          *instanceMetadataOpts `xml:"MetadataOptions,omitempty"`
}

func (lc *launchConfig) toXML() launchConfigXML {
	x := launchConfigXML{
		LaunchConfigurationName:      lc.Name,
		LaunchConfigurationARN:       lc.ARN,
		ImageID:                      lc.ImageID,
		KeyName:                      lc.KeyName,
		SecurityGroups:               lc.SecurityGroups,
		ClassicLinkVPCID:             lc.ClassicLinkVPCID,
		ClassicLinkVPCSecurityGroups: lc.ClassicLinkVPCSecurityGroups,
		UserData:                     lc.UserData,
		InstanceType:                 lc.InstanceType,
		KernelID:                     lc.KernelID,
		RamdiskID:                    lc.RamdiskID,
		BlockDeviceMappings:          lc.BlockDeviceMappings,
		SpotPrice:                    lc.SpotPrice,
		IamInstanceProfile:           lc.IamInstanceProfile,
		CreatedTime:                  wire.Time(lc.Created),
		EbsOptimized:                 boolOr(lc.EbsOptimized, false),
		AssociatePublicIPAddress:     lc.AssociatePublicIPAddress,
		PlacementTenancy:             lc.PlacementTenancy,
		MetadataOptions:              lc.MetadataOptions,
	}
	// AWS turns detailed monitoring on unless the launch configuration turns it off.
	x.InstanceMonitoring.Enabled = boolOr(lc.InstanceMonitoring, true)
	return x
}

// SetDenyLaunchConfigurations changes whether the account may create launch configurations (see
// Options.DenyLaunchConfigurations), from the next request on.
func (e *Emulator) SetDenyLaunchConfigurations(deny bool) { e.denyLCs.Store(deny) }

// errLaunchConfigurationsDenied is AWS's answer to CreateLaunchConfiguration in an account that may
// not create them, code, status and message as observed from AWS
// (hashicorp/terraform-provider-aws#42068).
func errLaunchConfigurationsDenied() *APIError {
	return senderError("UnsupportedOperation", "The Launch Configuration creation operation is not available in your account. Use launch templates to create configuration templates for your Auto Scaling groups.")
}

func (e *Emulator) createLaunchConfiguration(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	if e.denyLCs.Load() {
		return nil, errLaunchConfigurationsDenied()
	}
	lc := &launchConfig{
		Name:                         reqString(q, "LaunchConfigurationName", 255),
		ImageID:                      optString(q, "ImageId", 255),
		KeyName:                      optString(q, "KeyName", 255),
		SecurityGroups:               q.List("SecurityGroups"),
		ClassicLinkVPCID:             optString(q, "ClassicLinkVPCId", 255),
		ClassicLinkVPCSecurityGroups: q.List("ClassicLinkVPCSecurityGroups"),
		UserData:                     q.Str("UserData"),
		InstanceType:                 optString(q, "InstanceType", 255),
		KernelID:                     optString(q, "KernelId", 255),
		RamdiskID:                    optString(q, "RamdiskId", 255),
		SpotPrice:                    optString(q, "SpotPrice", 255),
		IamInstanceProfile:           optString(q, "IamInstanceProfile", 1600),
		EbsOptimized:                 q.OptBool("EbsOptimized"),
		AssociatePublicIPAddress:     q.OptBool("AssociatePublicIpAddress"),
		PlacementTenancy:             optString(q, "PlacementTenancy", 64),
		Created:                      now,
	}
	if len(lc.UserData) > 21847 {
		q.Fail(validationError("1 validation error detected: Value at 'userData' failed to satisfy constraint: Member must have length less than or equal to 21847"))
	}
	checkEnum(q, "PlacementTenancy", lc.PlacementTenancy, "default", "dedicated")
	if q.Has("InstanceMonitoring") {
		lc.InstanceMonitoring = q.Sub("InstanceMonitoring").OptBool("Enabled")
	}
	lc.BlockDeviceMappings = readBlockDeviceMappings(q)
	if q.Has("MetadataOptions") {
		m := q.Sub("MetadataOptions")
		lc.MetadataOptions = &instanceMetadataOpts{
			HTTPTokens:              m.Str("HttpTokens"),
			HTTPPutResponseHopLimit: m.OptInt("HttpPutResponseHopLimit"),
			HTTPEndpoint:            m.Str("HttpEndpoint"),
		}
		checkEnum(q, "MetadataOptions.HttpTokens", lc.MetadataOptions.HTTPTokens, "optional", "required")
		checkEnum(q, "MetadataOptions.HttpEndpoint", lc.MetadataOptions.HTTPEndpoint, "disabled", "enabled")
		checkRange(q, "MetadataOptions.HttpPutResponseHopLimit", lc.MetadataOptions.HTTPPutResponseHopLimit, 1, 64)
	}
	instanceID := optString(q, "InstanceId", 19)
	if err := q.Err(); err != nil {
		return nil, err
	}

	if instanceID != "" {
		// AWS copies an instance's attributes; the emulator knows only the instances it launched.
		g, in := rs.findInstance(instanceID)
		if in == nil {
			return nil, validationError("Invalid instance id: %s. The emulator can copy only instances of its own Auto Scaling groups.", instanceID)
		}
		if lc.ImageID == "" {
			lc.ImageID = in.ImageID
		}
		if lc.InstanceType == "" {
			lc.InstanceType = in.InstanceType
		}
		if src, ok := rs.as.LaunchConfigs[g.LaunchConfigurationName]; ok && len(lc.SecurityGroups) == 0 {
			lc.SecurityGroups = append([]string(nil), src.SecurityGroups...)
		}
	}
	if lc.ImageID == "" {
		return nil, validationError("Valid requests must contain either the InstanceID or ImageId parameter: set ImageId (and InstanceType) or InstanceId.")
	}
	if lc.InstanceType == "" {
		return nil, validationError("Valid requests must contain either the InstanceID or InstanceType parameter: set InstanceType (and ImageId) or InstanceId.")
	}
	if exists := e.opts.ImageExists; exists != nil && !exists(lc.ImageID) {
		// AWS's words for an AMI that is not in the region (as CloudFormation and the SDKs relay them).
		return nil, validationError("AMI %s is invalid: The image id '[%s]' does not exist", lc.ImageID, lc.ImageID)
	}
	if _, exists := rs.as.LaunchConfigs[lc.Name]; exists {
		return nil, alreadyExists("Launch Configuration by this name already exists - A launch configuration already exists with the name %s", lc.Name)
	}
	if n := len(rs.as.LaunchConfigs); n >= e.opts.Limits.MaxNumberOfLaunchConfigurations {
		return nil, limitExceeded("Launch configuration limit exceeded: %d launch configurations already exist in %s (the account limit is %d). Delete unused launch configurations or raise the limit.",
			n, rs.name, e.opts.Limits.MaxNumberOfLaunchConfigurations)
	}
	lc.ARN = e.arn(rs, "launchConfiguration:"+uuid()+":launchConfigurationName/"+lc.Name)
	rs.as.LaunchConfigs[lc.Name] = lc
	return nil, nil
}

// readBlockDeviceMappings reads BlockDeviceMappings.member.N with AWS's per-field constraints.
func readBlockDeviceMappings(q wire.Args) []blockDeviceMapping {
	var out []blockDeviceMapping
	for _, m := range q.Members("BlockDeviceMappings") {
		bdm := blockDeviceMapping{
			VirtualName: optString(m, "VirtualName", 255),
			DeviceName:  reqString(m, "DeviceName", 255),
			NoDevice:    m.OptBool("NoDevice"),
		}
		if m.Has("Ebs") {
			eq := m.Sub("Ebs")
			bdm.Ebs = &ebs{
				SnapshotID:          optString(eq, "SnapshotId", 255),
				VolumeSize:          eq.OptInt("VolumeSize"),
				VolumeType:          optString(eq, "VolumeType", 255),
				DeleteOnTermination: eq.OptBool("DeleteOnTermination"),
				Iops:                eq.OptInt("Iops"),
				Encrypted:           eq.OptBool("Encrypted"),
				Throughput:          eq.OptInt("Throughput"),
			}
			checkRange(eq, "VolumeSize", bdm.Ebs.VolumeSize, 1, 16384)
			checkRange(eq, "Iops", bdm.Ebs.Iops, 100, 20000)
			checkRange(eq, "Throughput", bdm.Ebs.Throughput, 125, 1000)
			checkEnum(eq, "VolumeType", bdm.Ebs.VolumeType, "standard", "io1", "io2", "gp2", "gp3", "st1", "sc1")
		}
		out = append(out, bdm)
	}
	return out
}

func (e *Emulator) describeLaunchConfigurations(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	names := q.List("LaunchConfigurationNames")
	max := maxRecords(q, 50, 100)
	if err := q.Err(); err != nil {
		return nil, err
	}
	var lcs []*launchConfig
	if len(names) > 0 {
		for _, n := range names {
			if lc, ok := rs.as.LaunchConfigs[n]; ok {
				lcs = append(lcs, lc)
			}
		}
	} else {
		for _, lc := range rs.as.LaunchConfigs {
			lcs = append(lcs, lc)
		}
	}
	sortBy(lcs, func(lc *launchConfig) string { return lc.Name })
	page, next, err := paginate(lcs, func(lc *launchConfig) string { return lc.Name }, true, q.Str("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := struct {
		LaunchConfigurations wire.List[launchConfigXML] `xml:"LaunchConfigurations"`
		NextToken            string                     `xml:"NextToken,omitempty"`
	}{LaunchConfigurations: wire.List[launchConfigXML]{}, NextToken: next}
	for _, lc := range page {
		out.LaunchConfigurations = append(out.LaunchConfigurations, lc.toXML())
	}
	return out, nil
}

func (e *Emulator) deleteLaunchConfiguration(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	name := reqString(q, "LaunchConfigurationName", 255)
	if err := q.Err(); err != nil {
		return nil, err
	}
	if _, ok := rs.as.LaunchConfigs[name]; !ok {
		return nil, validationError("Launch configuration name not found - Launch configuration %s not found", name)
	}
	for _, g := range rs.sortedGroups() {
		if g.LaunchConfigurationName == name {
			return nil, resourceInUse("Cannot delete launch configuration %s because it is attached to AutoScalingGroup %s", name, g.Name)
		}
	}
	delete(rs.as.LaunchConfigs, name)
	return nil, nil
}
