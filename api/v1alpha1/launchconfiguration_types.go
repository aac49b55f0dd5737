package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LaunchConfigurationSpec describes how an instance of an Auto Scaling group starts.
//
// Launch configurations cannot be changed in AWS. The operator names each one
// <namespace>-<name>-<hash of the spec>, so a change to this spec creates a new launch
// configuration, moves the groups that use it, and deletes the old one once no group uses it.
// +kubebuilder:validation:XValidation:rule="!(has(self.userData) && has(self.userDataSecretRef))",message="userData and userDataSecretRef are mutually exclusive: set at most one"
// +kubebuilder:validation:XValidation:rule="has(self.region) == has(oldSelf.region) && (!has(self.region) || self.region == oldSelf.region)",message="region is immutable: create a new object in the other region"
type LaunchConfigurationSpec struct {
	AWSResourceSpec `json:",inline"`

	// imageId is the ID of the Amazon Machine Image (AMI) instances start from, for example ami-0abcdef1234567890.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +required
	ImageID string `json:"imageId"`

	// instanceType is the EC2 instance type, for example t3.micro.
	// +kubebuilder:default="t3.micro"
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`
	// +kubebuilder:validation:MaxLength=255
	// +optional
	InstanceType string `json:"instanceType,omitempty"`

	// keyName is the name of the EC2 key pair installed on the instances.
	// +kubebuilder:validation:MaxLength=255
	// +optional
	KeyName string `json:"keyName,omitempty"`

	// securityGroups lists the security groups of the instances: IDs (sg-…) in a VPC, names in EC2-Classic.
	// +kubebuilder:validation:MaxItems=60
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	// +listType=set
	// +optional
	SecurityGroups []string `json:"securityGroups,omitempty"`

	// userData is the user data handed to each instance at launch, in plain text (the operator
	// base64-encodes it). At most 16 KiB. Mutually exclusive with userDataSecretRef.
	// +kubebuilder:validation:MaxLength=16384
	// +optional
	UserData *string `json:"userData,omitempty"`

	// userDataSecretRef takes the user data from a key of a Secret in the same namespace, for user
	// data that must not be stored in this object. Mutually exclusive with userData.
	// +optional
	UserDataSecretRef *SecretKeySelector `json:"userDataSecretRef,omitempty"`

	// iamInstanceProfile is the name or ARN of the IAM instance profile of the instances.
	// +kubebuilder:validation:MaxLength=1600
	// +optional
	IAMInstanceProfile string `json:"iamInstanceProfile,omitempty"`

	// instanceMonitoring enables detailed (1-minute) CloudWatch monitoring of the instances.
	// AWS enables it when unset.
	// +optional
	InstanceMonitoring *bool `json:"instanceMonitoring,omitempty"`

	// associatePublicIpAddress gives instances launched into a VPC subnet a public IPv4 address.
	// When unset, the subnet's setting applies.
	// +optional
	AssociatePublicIPAddress *bool `json:"associatePublicIpAddress,omitempty"`

	// ebsOptimized launches EBS-optimized instances.
	// +optional
	EBSOptimized *bool `json:"ebsOptimized,omitempty"`

	// spotPrice is the maximum hourly price, in US dollars, to pay for Spot Instances, for example "0.05".
	// When set, the group launches Spot Instances.
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	// +kubebuilder:validation:MaxLength=255
	// +optional
	SpotPrice string `json:"spotPrice,omitempty"`

	// placementTenancy is the tenancy of the instances: default (shared hardware) or dedicated.
	// +kubebuilder:validation:Enum=default;dedicated
	// +optional
	PlacementTenancy string `json:"placementTenancy,omitempty"`

	// blockDeviceMappings attaches EBS volumes to the instances.
	// +kubebuilder:validation:MaxItems=32
	// +listType=map
	// +listMapKey=deviceName
	// +optional
	BlockDeviceMappings []BlockDeviceMapping `json:"blockDeviceMappings,omitempty"`

	// metadataOptions configures the instance metadata service (IMDS) of the instances.
	// +kubebuilder:default={}
	// +optional
	MetadataOptions *MetadataOptions `json:"metadataOptions,omitempty"`
}

// BlockDeviceMapping attaches one EBS volume at a device name.
type BlockDeviceMapping struct {
	// deviceName is the device name exposed to the instance, for example /dev/sdh or xvdh.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +required
	DeviceName string `json:"deviceName"`

	// ebs describes the volume.
	// +required
	EBS EBSVolume `json:"ebs"`
}

// EBSVolume describes an EBS volume created for each instance.
// +kubebuilder:validation:XValidation:rule="!has(self.volumeType) || !(self.volumeType in ['io1','io2']) || has(self.volumeSize) && self.volumeSize >= 4",message="io1 and io2 volumes need a volumeSize of at least 4 GiB"
type EBSVolume struct {
	// volumeSize is the size of the volume in GiB (1 to 16384).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=16384
	// +optional
	VolumeSize *int32 `json:"volumeSize,omitempty"`

	// volumeType is the EBS volume type.
	// +kubebuilder:validation:Enum=standard;io1;io2;gp2;gp3;st1;sc1
	// +optional
	VolumeType string `json:"volumeType,omitempty"`

	// deleteOnTermination deletes the volume when the instance terminates. AWS's default is true.
	// +optional
	DeleteOnTermination *bool `json:"deleteOnTermination,omitempty"`

	// encrypted encrypts the volume.
	// +optional
	Encrypted *bool `json:"encrypted,omitempty"`
}

// MetadataOptions configures the instance metadata service.
type MetadataOptions struct {
	// httpTokens says whether IMDSv2 session tokens are required. Defaults to required, which
	// turns off IMDSv1.
	// +kubebuilder:validation:Enum=optional;required
	// +kubebuilder:default=required
	// +optional
	HTTPTokens string `json:"httpTokens,omitempty"`

	// httpPutResponseHopLimit is the hop limit of metadata PUT responses (1 to 64).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=64
	// +optional
	HTTPPutResponseHopLimit *int32 `json:"httpPutResponseHopLimit,omitempty"`

	// httpEndpoint turns the metadata endpoint on or off.
	// +kubebuilder:validation:Enum=enabled;disabled
	// +optional
	HTTPEndpoint string `json:"httpEndpoint,omitempty"`
}

// LaunchConfigurationStatus is what the operator observed of the launch configuration in AWS.
type LaunchConfigurationStatus struct {
	// conditions: Ready, Reconciling and Stalled, following the kstatus conventions.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// awsName is the name of the current launch configuration in AWS: <namespace>-<name>-<hash>.
	// +optional
	AWSName string `json:"awsName,omitempty"`

	// arn is the ARN of the current launch configuration.
	// +optional
	ARN string `json:"arn,omitempty"`

	// createdTime is when AWS created the current launch configuration.
	// +optional
	CreatedTime *metav1.Time `json:"createdTime,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=lc,categories=autoscale
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.imageId`
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.instanceType`
// +kubebuilder:printcolumn:name="AWS-Name",type=string,JSONPath=`.status.awsName`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// LaunchConfiguration is an EC2 Auto Scaling launch configuration: how the instances of a group
// start (image, instance type, key, security groups, user data).
type LaunchConfiguration struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired launch configuration.
	// +required
	Spec LaunchConfigurationSpec `json:"spec"`

	// status is what the operator observed in AWS.
	// +optional
	Status LaunchConfigurationStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// LaunchConfigurationList is a list of LaunchConfigurations.
type LaunchConfigurationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []LaunchConfiguration `json:"items"`
}

func init() {
	register(&LaunchConfiguration{}, &LaunchConfigurationList{})
}
