package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AutoScalingGroupSpec is the desired state of an EC2 Auto Scaling group. The group's name in
// AWS is the object's name.
// +kubebuilder:validation:XValidation:rule="self.minSize <= self.maxSize",message="minSize must be less than or equal to maxSize"
// +kubebuilder:validation:XValidation:rule="!has(self.desiredCapacity) || (self.desiredCapacity >= self.minSize && self.desiredCapacity <= self.maxSize)",message="desiredCapacity must be between minSize and maxSize"
// +kubebuilder:validation:XValidation:rule="(has(self.availabilityZones) && size(self.availabilityZones) > 0) || (has(self.vpcZoneIdentifier) && size(self.vpcZoneIdentifier) > 0)",message="set availabilityZones, vpcZoneIdentifier, or both: a group needs somewhere to launch instances"
// +kubebuilder:validation:XValidation:rule="has(self.region) == has(oldSelf.region) && (!has(self.region) || self.region == oldSelf.region)",message="region is immutable: create a new object in the other region"
type AutoScalingGroupSpec struct {
	AWSResourceSpec `json:",inline"`

	// launchConfigurationRef names the LaunchConfiguration, in the same namespace, the group
	// launches instances with. Changing it moves the group to the other launch configuration;
	// running instances keep theirs until they are replaced.
	// +required
	LaunchConfigurationRef LocalObjectReference `json:"launchConfigurationRef"`

	// minSize is the minimum number of instances in the group.
	// +kubebuilder:validation:Minimum=0
	// +required
	MinSize int32 `json:"minSize"`

	// maxSize is the maximum number of instances in the group.
	// +kubebuilder:validation:Minimum=0
	// +required
	MaxSize int32 `json:"maxSize"`

	// desiredCapacity is the number of instances the group should run. When unset, the operator
	// leaves the capacity to AWS and to Triggers (AWS starts the group at minSize); when set, the
	// operator enforces it on every sync, overriding scaling by Triggers. The scale subresource
	// (kubectl scale, a HorizontalPodAutoscaler, KEDA) sets this field.
	// +kubebuilder:validation:Minimum=0
	// +optional
	DesiredCapacity *int32 `json:"desiredCapacity,omitempty"`

	// availabilityZones lists the zones the group launches instances in, for example us-east-1a.
	// At least one of availabilityZones and vpcZoneIdentifier is required.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$`
	// +listType=set
	// +optional
	AvailabilityZones []string `json:"availabilityZones,omitempty"`

	// vpcZoneIdentifier lists the VPC subnet IDs (subnet-…) the group launches instances in.
	// At least one of availabilityZones and vpcZoneIdentifier is required.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:Pattern=`^subnet-[0-9a-z]+$`
	// +listType=set
	// +optional
	VPCZoneIdentifier []string `json:"vpcZoneIdentifier,omitempty"`

	// loadBalancerNames lists Classic Load Balancers the group registers its instances with.
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=32
	// +listType=set
	// +optional
	LoadBalancerNames []string `json:"loadBalancerNames,omitempty"`

	// targetGroupARNs lists Elastic Load Balancing target groups the group registers its instances with.
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:Pattern=`^arn:aws[a-z-]*:elasticloadbalancing:`
	// +listType=set
	// +optional
	TargetGroupARNs []string `json:"targetGroupARNs,omitempty"`

	// healthCheckType is the health check that decides when an instance is replaced: EC2
	// (instance status checks) or ELB (the load balancer's health check as well).
	// +kubebuilder:validation:Enum=EC2;ELB
	// +kubebuilder:default=EC2
	// +optional
	HealthCheckType string `json:"healthCheckType,omitempty"`

	// healthCheckGracePeriod is how many seconds after launch a new instance's health checks start counting.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=7200
	// +optional
	HealthCheckGracePeriod *int32 `json:"healthCheckGracePeriod,omitempty"`

	// defaultCooldown is how many seconds after a scaling activity the group waits before the next
	// SimpleScaling policy may act. AWS's default is 300.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	// +optional
	DefaultCooldown *int32 `json:"defaultCooldown,omitempty"`

	// terminationPolicies, in order, choose which instance goes first when the group scales in.
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Enum=Default;OldestInstance;NewestInstance;OldestLaunchConfiguration;OldestLaunchTemplate;ClosestToNextInstanceHour;AllocationStrategy
	// +listType=atomic
	// +optional
	TerminationPolicies []string `json:"terminationPolicies,omitempty"`

	// suspendedProcesses lists the Auto Scaling processes kept suspended on the group.
	// +kubebuilder:validation:MaxItems=9
	// +kubebuilder:validation:items:Enum=Launch;Terminate;AddToLoadBalancer;AlarmNotification;AZRebalance;HealthCheck;InstanceRefresh;ReplaceUnhealthy;ScheduledActions
	// +listType=set
	// +optional
	SuspendedProcesses []string `json:"suspendedProcesses,omitempty"`

	// tags are set on the group and, where propagateAtLaunch is true, on the instances it launches.
	// At most 50, with unique keys. The key autoscale-operator.io/owner is reserved for the operator.
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:XValidation:rule="self.all(t, !t.key.startsWith('autoscale-operator.io/'))",message="tag keys starting with autoscale-operator.io/ are reserved for the operator"
	// +kubebuilder:validation:XValidation:rule="self.all(t, !t.key.startsWith('aws:'))",message="tag keys starting with aws: are reserved by AWS"
	// +listType=map
	// +listMapKey=key
	// +optional
	Tags []Tag `json:"tags,omitempty"`

	// maxInstanceLifetime is the longest, in seconds, an instance may run before it is replaced:
	// 0 (no limit) or between 86400 (one day) and 31536000 (one year).
	// +kubebuilder:validation:XValidation:rule="self == 0 || (self >= 86400 && self <= 31536000)",message="maxInstanceLifetime must be 0 or between 86400 and 31536000 seconds"
	// +optional
	MaxInstanceLifetime *int32 `json:"maxInstanceLifetime,omitempty"`

	// newInstancesProtectedFromScaleIn protects newly launched instances from termination when the group scales in.
	// +optional
	NewInstancesProtectedFromScaleIn *bool `json:"newInstancesProtectedFromScaleIn,omitempty"`

	// capacityRebalance lets the group replace Spot Instances at elevated risk of interruption.
	// +optional
	CapacityRebalance *bool `json:"capacityRebalance,omitempty"`

	// activityHistoryLimit is how many of the group's most recent scaling activities are kept in
	// status.activities (0 to 100).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=10
	// +optional
	ActivityHistoryLimit *int32 `json:"activityHistoryLimit,omitempty"`

	// forceDelete, on deletion with deletionPolicy Delete, terminates the group's instances together
	// with the group. When false, the operator first scales the group to zero and waits.
	// +optional
	ForceDelete bool `json:"forceDelete,omitempty"`
}

// Tag is a tag of an Auto Scaling group.
type Tag struct {
	// key of the tag.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +required
	Key string `json:"key"`

	// value of the tag.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Value string `json:"value,omitempty"`

	// propagateAtLaunch copies the tag to the instances the group launches.
	// +optional
	PropagateAtLaunch bool `json:"propagateAtLaunch,omitempty"`
}

// InstanceStatus is one instance of the group as AWS reports it.
type InstanceStatus struct {
	// instanceId is the EC2 instance ID.
	InstanceID string `json:"instanceId"`
	// availabilityZone the instance runs in.
	// +optional
	AvailabilityZone string `json:"availabilityZone,omitempty"`
	// lifecycleState, for example Pending, InService, Terminating.
	// +optional
	LifecycleState string `json:"lifecycleState,omitempty"`
	// healthStatus is Healthy or Unhealthy.
	// +optional
	HealthStatus string `json:"healthStatus,omitempty"`
	// launchConfigurationName is the AWS name of the launch configuration the instance was launched with.
	// +optional
	LaunchConfigurationName string `json:"launchConfigurationName,omitempty"`
}

// Activity is one scaling activity of the group, as DescribeScalingActivities reports it.
type Activity struct {
	// activityId is AWS's ID of the activity.
	ActivityID string `json:"activityId"`
	// description, for example "Launching a new EC2 instance: i-0123456789abcdef0".
	// +optional
	Description string `json:"description,omitempty"`
	// cause says why the activity happened: a user request, a policy run by an alarm, a health check…
	// +optional
	Cause string `json:"cause,omitempty"`
	// statusCode, for example InProgress, Successful, Failed, Cancelled.
	// +optional
	StatusCode string `json:"statusCode,omitempty"`
	// statusMessage explains the status, when AWS gives one (for example why a launch failed).
	// +optional
	StatusMessage string `json:"statusMessage,omitempty"`
	// progress in percent.
	// +optional
	Progress int32 `json:"progress,omitempty"`
	// startTime of the activity.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// endTime of the activity, once it ended.
	// +optional
	EndTime *metav1.Time `json:"endTime,omitempty"`
}

// AutoScalingGroupStatus is what the operator observed of the group in AWS.
type AutoScalingGroupStatus struct {
	// conditions: Ready, Reconciling and Stalled, following the kstatus conventions.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// awsName is the group's name in AWS.
	// +optional
	AWSName string `json:"awsName,omitempty"`

	// arn is the group's ARN.
	// +optional
	ARN string `json:"arn,omitempty"`

	// launchConfigurationName is the AWS name of the launch configuration the group launches with.
	// +optional
	LaunchConfigurationName string `json:"launchConfigurationName,omitempty"`

	// desiredCapacity is the group's desired capacity in AWS (the replicas of the scale
	// subresource).
	// +optional
	DesiredCapacity *int32 `json:"desiredCapacity,omitempty"`

	// selector is the label selector of the scale subresource, which a HorizontalPodAutoscaler
	// (and so KEDA) requires of its target. The group's instances are EC2 instances, not pods, so
	// it selects no pod: autoscale on external or object metrics, not on pod resources.
	// +optional
	Selector string `json:"selector,omitempty"`

	// inServiceCount is the number of instances in the InService lifecycle state.
	// +optional
	InServiceCount int32 `json:"inServiceCount"`

	// instanceCounts counts the group's instances by lifecycle state. Always complete, even when
	// the instances list is cut short.
	// +optional
	InstanceCounts map[string]int32 `json:"instanceCounts,omitempty"`

	// instances of the group, at most 100 (see instanceCounts for the totals).
	// +kubebuilder:validation:MaxItems=100
	// +listType=atomic
	// +optional
	Instances []InstanceStatus `json:"instances,omitempty"`

	// activities are the group's most recent scaling activities, newest first, at most
	// spec.activityHistoryLimit.
	// +kubebuilder:validation:MaxItems=100
	// +listType=atomic
	// +optional
	Activities []Activity `json:"activities,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.desiredCapacity,statuspath=.status.desiredCapacity,selectorpath=.status.selector
// +kubebuilder:resource:shortName=asg,categories=autoscale
// +kubebuilder:printcolumn:name="Min",type=integer,JSONPath=`.spec.minSize`
// +kubebuilder:printcolumn:name="Max",type=integer,JSONPath=`.spec.maxSize`
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.status.desiredCapacity`
// +kubebuilder:printcolumn:name="InService",type=integer,JSONPath=`.status.inServiceCount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// AutoScalingGroup is an EC2 Auto Scaling group: a set of instances kept between a minimum and a
// maximum size over one or more zones, launched from a LaunchConfiguration.
type AutoScalingGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired group.
	// +required
	Spec AutoScalingGroupSpec `json:"spec"`

	// status is what the operator observed in AWS: conditions, instances and scaling activities.
	// +optional
	Status AutoScalingGroupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AutoScalingGroupList is a list of AutoScalingGroups.
type AutoScalingGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AutoScalingGroup `json:"items"`
}

func init() {
	register(&AutoScalingGroup{}, &AutoScalingGroupList{})
}
