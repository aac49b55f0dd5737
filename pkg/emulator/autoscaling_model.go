package emulator

import (
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// autoScalingState is one region's Auto Scaling resources. Fields are exported for the state file
// (encoding/json); the types stay unexported because they are the emulator's business.
type autoScalingState struct {
	Groups        map[string]*asGroup      `json:"groups"`
	LaunchConfigs map[string]*launchConfig `json:"launchConfigurations"`
	// Activities of every group, oldest first; DescribeScalingActivities reads them newest first.
	Activities []*activity `json:"activities"`
	// Loads are the CPUUtilization (percent) each group's instances report, by group name, kept
	// apart from the groups so a test can set the load before the operator creates the group.
	Loads map[string]float64 `json:"loads,omitempty"`
}

func newAutoScalingState() *autoScalingState {
	return &autoScalingState{Groups: map[string]*asGroup{}, LaunchConfigs: map[string]*launchConfig{}}
}

// asGroup is an Auto Scaling group and everything hanging off it.
type asGroup struct {
	Name                    string              `json:"name"`
	ARN                     string              `json:"arn"`
	LaunchConfigurationName string              `json:"launchConfigurationName,omitempty"`
	LaunchTemplate          *launchTemplateSpec `json:"launchTemplate,omitempty"`
	MinSize                 int                 `json:"minSize"`
	MaxSize                 int                 `json:"maxSize"`
	DesiredCapacity         int                 `json:"desiredCapacity"`
	DefaultCooldown         int                 `json:"defaultCooldown"`
	AvailabilityZones       []string            `json:"availabilityZones"`
	// Subnets are VPCZoneIdentifier split; each maps to one zone (subnetZone).
	Subnets                          []string             `json:"subnets,omitempty"`
	LoadBalancers                    []attachment         `json:"loadBalancers,omitempty"`
	TargetGroups                     []attachment         `json:"targetGroups,omitempty"`
	HealthCheckType                  string               `json:"healthCheckType"`
	HealthCheckGracePeriod           int                  `json:"healthCheckGracePeriod"`
	Instances                        []*instance          `json:"instances"`
	Created                          time.Time            `json:"created"`
	Suspended                        map[string]time.Time `json:"suspended,omitempty"`
	PlacementGroup                   string               `json:"placementGroup,omitempty"`
	DeleteInProgress                 bool                 `json:"deleteInProgress,omitempty"`
	Tags                             []tag                `json:"tags,omitempty"`
	TerminationPolicies              []string             `json:"terminationPolicies"`
	NewInstancesProtectedFromScaleIn bool                 `json:"newInstancesProtectedFromScaleIn"`
	ServiceLinkedRoleARN             string               `json:"serviceLinkedRoleARN"`
	MaxInstanceLifetime              *int                 `json:"maxInstanceLifetime,omitempty"`
	CapacityRebalance                bool                 `json:"capacityRebalance"`
	DefaultInstanceWarmup            *int                 `json:"defaultInstanceWarmup,omitempty"`
	DesiredCapacityType              string               `json:"desiredCapacityType,omitempty"`
	Context                          string               `json:"context,omitempty"`
	Policies                         []*scalingPolicy     `json:"policies,omitempty"`
	Refreshes                        []*instanceRefresh   `json:"instanceRefreshes,omitempty"`
	// LaunchRetryAt holds off launching after a launch failed for lack of capacity (MaxInstances).
	LaunchRetryAt time.Time `json:"launchRetryAt"`
	// CooldownUntil is when the cooldown after the last completed scaling activity ends; the
	// cooldown itself starts only once every instance of that activity is InService, as in AWS.
	CooldownUntil time.Time `json:"cooldownUntil"`
}

// attachment is a classic load balancer or a target group attached to a group, with the
// Adding → Added → InService (or Removing) state AWS reports for it.
type attachment struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

type launchTemplateSpec struct {
	LaunchTemplateID   string `xml:"LaunchTemplateId,omitempty" json:"launchTemplateId,omitempty"`
	LaunchTemplateName string `xml:"LaunchTemplateName,omitempty" json:"launchTemplateName,omitempty"`
	Version            string `xml:"Version,omitempty" json:"version,omitempty"`
}

type tag struct {
	Key               string `json:"key"`
	Value             string `json:"value"`
	PropagateAtLaunch bool   `json:"propagateAtLaunch"`
}

// Instance lifecycle states and health statuses as AWS spells them.
const (
	statePending     = "Pending"
	stateInService   = "InService"
	stateTerminating = "Terminating"
	healthHealthy    = "Healthy"
	healthUnhealthy  = "Unhealthy"
)

type instance struct {
	ID                      string              `json:"id"`
	AvailabilityZone        string              `json:"availabilityZone"`
	Subnet                  string              `json:"subnet,omitempty"`
	LifecycleState          string              `json:"lifecycleState"`
	HealthStatus            string              `json:"healthStatus"`
	LaunchConfigurationName string              `json:"launchConfigurationName,omitempty"`
	LaunchTemplate          *launchTemplateSpec `json:"launchTemplate,omitempty"`
	InstanceType            string              `json:"instanceType,omitempty"`
	ImageID                 string              `json:"imageId,omitempty"`
	Protected               bool                `json:"protectedFromScaleIn"`
	LaunchTime              time.Time           `json:"launchTime"`
	// TransitionAt is when a Pending instance becomes InService or a Terminating one is gone.
	TransitionAt time.Time `json:"transitionAt"`
	// ActivityID is the launch or termination activity that completes with the transition.
	ActivityID string `json:"activityId"`
	// UnhealthyCause says who marked it Unhealthy; it becomes the replacement activity's cause.
	UnhealthyCause string `json:"unhealthyCause,omitempty"`
}

// live reports whether the instance counts toward the group's capacity (AWS does not count
// instances that are on their way out).
func (i *instance) live() bool { return i.LifecycleState != stateTerminating }

// Activity status codes used by the emulator.
const (
	activityInProgress = "InProgress"
	activitySuccessful = "Successful"
	activityFailed     = "Failed"
)

type activity struct {
	ID            string    `json:"id"`
	GroupName     string    `json:"groupName"`
	GroupARN      string    `json:"groupArn"`
	Description   string    `json:"description"`
	Cause         string    `json:"cause"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	StatusCode    string    `json:"statusCode"`
	StatusMessage string    `json:"statusMessage,omitempty"`
	Progress      int       `json:"progress"`
	Details       string    `json:"details"`
	// GroupDeleted hides the activity unless IncludeDeletedGroups is set, as AWS does.
	GroupDeleted bool `json:"groupDeleted,omitempty"`
	// Cooldown is the cooldown (seconds) that starts when this activity completes; 0 for activities
	// no cooldown follows (health replacements, refreshes).
	Cooldown int `json:"cooldown,omitempty"`
}

type launchConfig struct {
	Name                         string                `json:"name"`
	ARN                          string                `json:"arn"`
	ImageID                      string                `json:"imageId"`
	KeyName                      string                `json:"keyName,omitempty"`
	SecurityGroups               []string              `json:"securityGroups"`
	ClassicLinkVPCID             string                `json:"classicLinkVPCId,omitempty"`
	ClassicLinkVPCSecurityGroups []string              `json:"classicLinkVPCSecurityGroups"`
	UserData                     string                `json:"userData,omitempty"`
	InstanceType                 string                `json:"instanceType"`
	KernelID                     string                `json:"kernelId,omitempty"`
	RamdiskID                    string                `json:"ramdiskId,omitempty"`
	BlockDeviceMappings          []blockDeviceMapping  `json:"blockDeviceMappings"`
	InstanceMonitoring           *bool                 `json:"instanceMonitoring,omitempty"`
	SpotPrice                    string                `json:"spotPrice,omitempty"`
	IamInstanceProfile           string                `json:"iamInstanceProfile,omitempty"`
	Created                      time.Time             `json:"created"`
	EbsOptimized                 *bool                 `json:"ebsOptimized,omitempty"`
	AssociatePublicIPAddress     *bool                 `json:"associatePublicIpAddress,omitempty"`
	PlacementTenancy             string                `json:"placementTenancy,omitempty"`
	MetadataOptions              *instanceMetadataOpts `json:"metadataOptions,omitempty"`
}

type blockDeviceMapping struct {
	VirtualName string `xml:"VirtualName,omitempty" json:"virtualName,omitempty"`
	DeviceName  string `xml:"DeviceName" json:"deviceName"`
	Ebs         *ebs   `xml:"Ebs,omitempty" json:"ebs,omitempty"`
	NoDevice    *bool  `xml:"NoDevice,omitempty" json:"noDevice,omitempty"`
}

type ebs struct {
	SnapshotID          string `xml:"SnapshotId,omitempty" json:"snapshotId,omitempty"`
	VolumeSize          *int   `xml:"VolumeSize,omitempty" json:"volumeSize,omitempty"`
	VolumeType          string `xml:"VolumeType,omitempty" json:"volumeType,omitempty"`
	DeleteOnTermination *bool  `xml:"DeleteOnTermination,omitempty" json:"deleteOnTermination,omitempty"`
	Iops                *int   `xml:"Iops,omitempty" json:"iops,omitempty"`
	Encrypted           *bool  `xml:"Encrypted,omitempty" json:"encrypted,omitempty"`
	Throughput          *int   `xml:"Throughput,omitempty" json:"throughput,omitempty"`
}

type instanceMetadataOpts struct {
	HTTPTokens              string `xml:"HttpTokens,omitempty" json:"httpTokens,omitempty"`
	HTTPPutResponseHopLimit *int   `xml:"HttpPutResponseHopLimit,omitempty" json:"httpPutResponseHopLimit,omitempty"`
	HTTPEndpoint            string `xml:"HttpEndpoint,omitempty" json:"httpEndpoint,omitempty"`
}

// Scaling policy types and adjustment types as AWS spells them.
const (
	policySimple         = "SimpleScaling"
	policyStep           = "StepScaling"
	policyTargetTracking = "TargetTrackingScaling"

	adjustChange  = "ChangeInCapacity"
	adjustExact   = "ExactCapacity"
	adjustPercent = "PercentChangeInCapacity"
)

type scalingPolicy struct {
	GroupName               string                `json:"groupName"`
	Name                    string                `json:"name"`
	ARN                     string                `json:"arn"`
	PolicyType              string                `json:"policyType"`
	AdjustmentType          string                `json:"adjustmentType,omitempty"`
	MinAdjustmentStep       *int                  `json:"minAdjustmentStep,omitempty"`
	MinAdjustmentMagnitude  *int                  `json:"minAdjustmentMagnitude,omitempty"`
	ScalingAdjustment       *int                  `json:"scalingAdjustment,omitempty"`
	Cooldown                *int                  `json:"cooldown,omitempty"`
	StepAdjustments         []stepAdjustment      `json:"stepAdjustments,omitempty"`
	MetricAggregationType   string                `json:"metricAggregationType,omitempty"`
	EstimatedInstanceWarmup *int                  `json:"estimatedInstanceWarmup,omitempty"`
	TargetTracking          *targetTrackingConfig `json:"targetTracking,omitempty"`
	Enabled                 bool                  `json:"enabled"`
}

type stepAdjustment struct {
	MetricIntervalLowerBound *float64 `xml:"MetricIntervalLowerBound,omitempty" json:"lower,omitempty"`
	MetricIntervalUpperBound *float64 `xml:"MetricIntervalUpperBound,omitempty" json:"upper,omitempty"`
	ScalingAdjustment        int      `xml:"ScalingAdjustment" json:"scalingAdjustment"`
}

// targetTrackingConfig is stored and described back; the emulator does not create the alarms a
// real target tracking policy owns.
type targetTrackingConfig struct {
	PredefinedMetricSpecification *predefinedMetric `xml:"PredefinedMetricSpecification,omitempty" json:"predefined,omitempty"`
	CustomizedMetricSpecification *customizedMetric `xml:"CustomizedMetricSpecification,omitempty" json:"customized,omitempty"`
	TargetValue                   float64           `xml:"TargetValue" json:"targetValue"`
	DisableScaleIn                *bool             `xml:"DisableScaleIn,omitempty" json:"disableScaleIn,omitempty"`
}

type predefinedMetric struct {
	PredefinedMetricType string `xml:"PredefinedMetricType" json:"type"`
	ResourceLabel        string `xml:"ResourceLabel,omitempty" json:"resourceLabel,omitempty"`
}

type customizedMetric struct {
	MetricName string                     `xml:"MetricName,omitempty" json:"metricName,omitempty"`
	Namespace  string                     `xml:"Namespace,omitempty" json:"namespace,omitempty"`
	Dimensions wire.List[metricDimension] `xml:"Dimensions,omitempty" json:"dimensions,omitempty"`
	Statistic  string                     `xml:"Statistic,omitempty" json:"statistic,omitempty"`
	Unit       string                     `xml:"Unit,omitempty" json:"unit,omitempty"`
}

type metricDimension struct {
	Name  string `xml:"Name" json:"name"`
	Value string `xml:"Value" json:"value"`
}

// Instance refresh statuses as AWS spells them.
const (
	refreshPending    = "Pending"
	refreshInProgress = "InProgress"
	refreshSuccessful = "Successful"
	refreshCancelled  = "Cancelled"
)

type instanceRefresh struct {
	ID                   string    `json:"id"`
	GroupName            string    `json:"groupName"`
	Status               string    `json:"status"`
	StatusReason         string    `json:"statusReason,omitempty"`
	Start                time.Time `json:"start"`
	End                  time.Time `json:"end"`
	InstancesToUpdate    int       `json:"instancesToUpdate"`
	Total                int       `json:"total"`
	MinHealthyPercentage int       `json:"minHealthyPercentage"`
	InstanceWarmup       int       `json:"instanceWarmup"`
	SkipMatching         bool      `json:"skipMatching"`
	Strategy             string    `json:"strategy"`
	// Old are the ids of instances still to replace; Batch are the replacements launched for the
	// current batch, which replaced BatchSize old instances; Done counts finished replacements.
	Old       []string `json:"old"`
	Batch     []string `json:"batch,omitempty"`
	BatchSize int      `json:"batchSize,omitempty"`
	Done      int      `json:"done"`
	// BatchReadyAt is when the current batch's replacements have finished warming up (zero while
	// they are still launching).
	BatchReadyAt time.Time `json:"batchReadyAt"`
	// Preferences and DesiredConfiguration are echoed back by DescribeInstanceRefreshes.
	Preferences           refreshPreferencesXML `json:"preferences"`
	DesiredLaunchTemplate *launchTemplateSpec   `json:"desiredLaunchTemplate,omitempty"`
}
