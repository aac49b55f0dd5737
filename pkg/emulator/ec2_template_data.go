package emulator

import (
	"encoding/base64"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// launchTemplateData is a launch template version's data, stored as sent and described back. One
// struct serves both directions: `query` tags name the request parameters of
// RequestLaunchTemplateData (EC2's singular list names), `xml` tags the elements of
// ResponseLaunchTemplateData (lowerCamel, lists as fooSet/item). Members the emulator does not
// model are not here, so a request that sends one fails as UnknownParameter instead of losing it
// silently.
type launchTemplateData struct {
	KernelID              string                   `query:"KernelId" xml:"kernelId,omitempty" json:"kernelId,omitempty"`
	EbsOptimized          *bool                    `xml:"ebsOptimized,omitempty" json:"ebsOptimized,omitempty"`
	IamInstanceProfile    *ltIamInstanceProfile    `xml:"iamInstanceProfile,omitempty" json:"iamInstanceProfile,omitempty"`
	BlockDeviceMappings   []ltBlockDeviceMapping   `query:"BlockDeviceMapping" xml:"blockDeviceMappingSet>item,omitempty" json:"blockDeviceMappings,omitempty"`
	NetworkInterfaces     []ltNetworkInterface     `query:"NetworkInterface" xml:"networkInterfaceSet>item,omitempty" json:"networkInterfaces,omitempty"`
	ImageID               string                   `query:"ImageId" xml:"imageId,omitempty" json:"imageId,omitempty"`
	InstanceType          string                   `xml:"instanceType,omitempty" json:"instanceType,omitempty"`
	KeyName               string                   `xml:"keyName,omitempty" json:"keyName,omitempty"`
	Monitoring            *ltMonitoring            `xml:"monitoring,omitempty" json:"monitoring,omitempty"`
	Placement             *ltPlacement             `xml:"placement,omitempty" json:"placement,omitempty"`
	RAMDiskID             string                   `query:"RamDiskId" xml:"ramDiskId,omitempty" json:"ramDiskId,omitempty"`
	DisableAPITermination *bool                    `query:"DisableApiTermination" xml:"disableApiTermination,omitempty" json:"disableApiTermination,omitempty"`
	ShutdownBehavior      string                   `query:"InstanceInitiatedShutdownBehavior" xml:"instanceInitiatedShutdownBehavior,omitempty" json:"instanceInitiatedShutdownBehavior,omitempty"`
	UserData              string                   `xml:"userData,omitempty" json:"userData,omitempty"`
	TagSpecifications     []ltTagSpecification     `query:"TagSpecification" xml:"tagSpecificationSet>item,omitempty" json:"tagSpecifications,omitempty"`
	SecurityGroupIDs      []string                 `query:"SecurityGroupId" xml:"securityGroupIdSet>item,omitempty" json:"securityGroupIds,omitempty"`
	SecurityGroups        []string                 `query:"SecurityGroup" xml:"securityGroupSet>item,omitempty" json:"securityGroups,omitempty"`
	InstanceMarketOptions *ltInstanceMarketOptions `xml:"instanceMarketOptions,omitempty" json:"instanceMarketOptions,omitempty"`
	CreditSpecification   *ltCreditSpecification   `xml:"creditSpecification,omitempty" json:"creditSpecification,omitempty"`
	CPUOptions            *ltCPUOptions            `query:"CpuOptions" xml:"cpuOptions,omitempty" json:"cpuOptions,omitempty"`
	HibernationOptions    *ltHibernationOptions    `xml:"hibernationOptions,omitempty" json:"hibernationOptions,omitempty"`
	MetadataOptions       *ltMetadataOptions       `xml:"metadataOptions,omitempty" json:"metadataOptions,omitempty"`
	EnclaveOptions        *ltEnclaveOptions        `xml:"enclaveOptions,omitempty" json:"enclaveOptions,omitempty"`
	DisableAPIStop        *bool                    `query:"DisableApiStop" xml:"disableApiStop,omitempty" json:"disableApiStop,omitempty"`
}

type ltIamInstanceProfile struct {
	Arn  string `xml:"arn,omitempty" json:"arn,omitempty"`
	Name string `xml:"name,omitempty" json:"name,omitempty"`
}

type ltBlockDeviceMapping struct {
	DeviceName  string `xml:"deviceName,omitempty" json:"deviceName,omitempty"`
	VirtualName string `xml:"virtualName,omitempty" json:"virtualName,omitempty"`
	Ebs         *ltEbs `xml:"ebs,omitempty" json:"ebs,omitempty"`
	// NoDevice is a string in launch templates ("" suppresses the device), unlike launch
	// configurations' boolean.
	NoDevice *string `xml:"noDevice,omitempty" json:"noDevice,omitempty"`
}

type ltEbs struct {
	Encrypted           *bool  `xml:"encrypted,omitempty" json:"encrypted,omitempty"`
	DeleteOnTermination *bool  `xml:"deleteOnTermination,omitempty" json:"deleteOnTermination,omitempty"`
	Iops                *int   `xml:"iops,omitempty" json:"iops,omitempty"`
	KmsKeyID            string `query:"KmsKeyId" xml:"kmsKeyId,omitempty" json:"kmsKeyId,omitempty"`
	SnapshotID          string `query:"SnapshotId" xml:"snapshotId,omitempty" json:"snapshotId,omitempty"`
	VolumeSize          *int   `xml:"volumeSize,omitempty" json:"volumeSize,omitempty"`
	VolumeType          string `xml:"volumeType,omitempty" json:"volumeType,omitempty"`
	Throughput          *int   `xml:"throughput,omitempty" json:"throughput,omitempty"`
}

type ltNetworkInterface struct {
	AssociatePublicIPAddress *bool  `query:"AssociatePublicIpAddress" xml:"associatePublicIpAddress,omitempty" json:"associatePublicIpAddress,omitempty"`
	DeleteOnTermination      *bool  `xml:"deleteOnTermination,omitempty" json:"deleteOnTermination,omitempty"`
	Description              string `xml:"description,omitempty" json:"description,omitempty"`
	DeviceIndex              *int   `xml:"deviceIndex,omitempty" json:"deviceIndex,omitempty"`
	// Groups is the one list AWS writes with named members: <groupSet><groupId>.
	Groups                         []string `query:"SecurityGroupId" xml:"groupSet>groupId,omitempty" json:"groups,omitempty"`
	InterfaceType                  string   `xml:"interfaceType,omitempty" json:"interfaceType,omitempty"`
	Ipv6AddressCount               *int     `xml:"ipv6AddressCount,omitempty" json:"ipv6AddressCount,omitempty"`
	NetworkInterfaceID             string   `query:"NetworkInterfaceId" xml:"networkInterfaceId,omitempty" json:"networkInterfaceId,omitempty"`
	PrivateIPAddress               string   `query:"PrivateIpAddress" xml:"privateIpAddress,omitempty" json:"privateIpAddress,omitempty"`
	SecondaryPrivateIPAddressCount *int     `query:"SecondaryPrivateIpAddressCount" xml:"secondaryPrivateIpAddressCount,omitempty" json:"secondaryPrivateIpAddressCount,omitempty"`
	SubnetID                       string   `query:"SubnetId" xml:"subnetId,omitempty" json:"subnetId,omitempty"`
	NetworkCardIndex               *int     `xml:"networkCardIndex,omitempty" json:"networkCardIndex,omitempty"`
}

type ltMonitoring struct {
	Enabled *bool `xml:"enabled,omitempty" json:"enabled,omitempty"`
}

type ltPlacement struct {
	AvailabilityZone     string `xml:"availabilityZone,omitempty" json:"availabilityZone,omitempty"`
	Affinity             string `xml:"affinity,omitempty" json:"affinity,omitempty"`
	GroupName            string `xml:"groupName,omitempty" json:"groupName,omitempty"`
	GroupID              string `query:"GroupId" xml:"groupId,omitempty" json:"groupId,omitempty"`
	HostID               string `query:"HostId" xml:"hostId,omitempty" json:"hostId,omitempty"`
	Tenancy              string `xml:"tenancy,omitempty" json:"tenancy,omitempty"`
	SpreadDomain         string `xml:"spreadDomain,omitempty" json:"spreadDomain,omitempty"`
	HostResourceGroupArn string `xml:"hostResourceGroupArn,omitempty" json:"hostResourceGroupArn,omitempty"`
	PartitionNumber      *int   `xml:"partitionNumber,omitempty" json:"partitionNumber,omitempty"`
}

type ltTagSpecification struct {
	ResourceType string   `xml:"resourceType,omitempty" json:"resourceType,omitempty"`
	Tags         []ec2Tag `query:"Tag" xml:"tagSet>item,omitempty" json:"tags,omitempty"`
}

type ltInstanceMarketOptions struct {
	MarketType  string         `xml:"marketType,omitempty" json:"marketType,omitempty"`
	SpotOptions *ltSpotOptions `xml:"spotOptions,omitempty" json:"spotOptions,omitempty"`
}

type ltSpotOptions struct {
	MaxPrice                     string `xml:"maxPrice,omitempty" json:"maxPrice,omitempty"`
	SpotInstanceType             string `xml:"spotInstanceType,omitempty" json:"spotInstanceType,omitempty"`
	InstanceInterruptionBehavior string `xml:"instanceInterruptionBehavior,omitempty" json:"instanceInterruptionBehavior,omitempty"`
}

type ltCreditSpecification struct {
	CPUCredits string `query:"CpuCredits" xml:"cpuCredits,omitempty" json:"cpuCredits,omitempty"`
}

type ltCPUOptions struct {
	CoreCount      *int `xml:"coreCount,omitempty" json:"coreCount,omitempty"`
	ThreadsPerCore *int `xml:"threadsPerCore,omitempty" json:"threadsPerCore,omitempty"`
}

type ltHibernationOptions struct {
	Configured *bool `xml:"configured,omitempty" json:"configured,omitempty"`
}

type ltMetadataOptions struct {
	// State is what AWS reports back ("applied"); it is not a request parameter.
	State                   string `query:"-" xml:"state,omitempty" json:"-"`
	HTTPTokens              string `query:"HttpTokens" xml:"httpTokens,omitempty" json:"httpTokens,omitempty"`
	HTTPPutResponseHopLimit *int   `query:"HttpPutResponseHopLimit" xml:"httpPutResponseHopLimit,omitempty" json:"httpPutResponseHopLimit,omitempty"`
	HTTPEndpoint            string `query:"HttpEndpoint" xml:"httpEndpoint,omitempty" json:"httpEndpoint,omitempty"`
	HTTPProtocolIpv6        string `query:"HttpProtocolIpv6" xml:"httpProtocolIpv6,omitempty" json:"httpProtocolIpv6,omitempty"`
	InstanceMetadataTags    string `xml:"instanceMetadataTags,omitempty" json:"instanceMetadataTags,omitempty"`
}

type ltEnclaveOptions struct {
	Enabled *bool `xml:"enabled,omitempty" json:"enabled,omitempty"`
}

// readLaunchTemplateData reads LaunchTemplateData.* and checks what AWS checks when a template is
// created. AWS validates little at that point (it documents that launch template parameters "are
// not fully validated" until an instance launches); what it does check is an enum or a range.
func readLaunchTemplateData(q wire.Args) launchTemplateData {
	// An empty LaunchTemplateData puts nothing on the wire, so its absence is an empty template.
	var d launchTemplateData
	data := q.Sub("LaunchTemplateData")
	wire.FromForm(reflect.ValueOf(&d).Elem(), data)
	if q.Err() != nil {
		return d
	}
	enum := func(param, v string, allowed ...string) {
		if v != "" && !slices.Contains(allowed, v) {
			q.Fail(ec2InvalidValue("LaunchTemplateData."+param, v, "valid values are "+strings.Join(allowed, ", ")))
		}
	}
	for _, m := range d.BlockDeviceMappings {
		if m.Ebs != nil {
			enum("BlockDeviceMapping.Ebs.VolumeType", m.Ebs.VolumeType, "standard", "io1", "io2", "gp2", "gp3", "sc1", "st1")
		}
	}
	if d.Placement != nil {
		enum("Placement.Tenancy", d.Placement.Tenancy, "default", "dedicated", "host")
	}
	enum("InstanceInitiatedShutdownBehavior", d.ShutdownBehavior, "stop", "terminate")
	if d.InstanceMarketOptions != nil {
		enum("InstanceMarketOptions.MarketType", d.InstanceMarketOptions.MarketType, "spot", "capacity-block")
		if s := d.InstanceMarketOptions.SpotOptions; s != nil {
			enum("InstanceMarketOptions.SpotOptions.SpotInstanceType", s.SpotInstanceType, "one-time", "persistent")
			enum("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", s.InstanceInterruptionBehavior, "hibernate", "stop", "terminate")
		}
	}
	if m := d.MetadataOptions; m != nil {
		enum("MetadataOptions.HttpTokens", m.HTTPTokens, "optional", "required")
		enum("MetadataOptions.HttpEndpoint", m.HTTPEndpoint, "disabled", "enabled")
		enum("MetadataOptions.HttpProtocolIpv6", m.HTTPProtocolIpv6, "disabled", "enabled")
		enum("MetadataOptions.InstanceMetadataTags", m.InstanceMetadataTags, "disabled", "enabled")
		if n := m.HTTPPutResponseHopLimit; n != nil && (*n < 1 || *n > 64) {
			q.Fail(ec2InvalidValue("LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit", *n, "it must be between 1 and 64"))
		}
	}
	for _, ts := range d.TagSpecifications {
		// The resources an instance launch creates and tags, as AWS lists them for launch templates.
		if !slices.Contains([]string{"instance", "volume", "network-interface", "spot-instances-request"}, ts.ResourceType) {
			// AWS's words (as RunInstances and CreateLaunchTemplate report them).
			q.Fail(wire.SenderError("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", ts.ResourceType))
		}
		checkEC2Tags(q, ts.Tags)
	}
	if d.UserData != "" {
		raw, err := base64.StdEncoding.DecodeString(d.UserData)
		switch {
		case err != nil:
			// The code and text of EC2's documented error for user data that is not base64.
			q.Fail(wire.SenderError("InvalidUserData.Malformed", "The user data you have provided is invalid."))
		case len(raw) > maxUserData:
			q.Fail(wire.SenderError("InvalidParameterValue", "User data is limited to %d bytes; it is %d bytes after base64 decoding.", maxUserData, len(raw)))
		}
	}
	return d
}

// maxUserData is EC2's limit on user data, before base64.
const maxUserData = 16 << 10

// launchTemplateName is AWS's pattern for names: 3 to 128 of these characters.
var launchTemplateName = regexp.MustCompile(`^[a-zA-Z0-9().\-/_]{3,128}$`)

// monitoringEnabled says whether instances launched from the data get detailed monitoring.
func (d *launchTemplateData) monitoringEnabled() bool {
	return d.Monitoring != nil && d.Monitoring.Enabled != nil && *d.Monitoring.Enabled
}

// instanceTags are the tags the data asks to put on launched instances.
func (d *launchTemplateData) instanceTags() []ec2Tag {
	var out []ec2Tag
	for _, ts := range d.TagSpecifications {
		if ts.ResourceType == "instance" {
			out = append(out, ts.Tags...)
		}
	}
	return out
}

// withMetadataState fills in what AWS reports but nobody sends.
func (d launchTemplateData) withMetadataState() launchTemplateData {
	if d.MetadataOptions != nil {
		m := *d.MetadataOptions
		m.State = "applied"
		d.MetadataOptions = &m
	}
	return d
}
