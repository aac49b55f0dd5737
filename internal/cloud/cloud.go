// Package cloud owns every AWS call the operator makes. Controllers talk to one interface per AWS
// service (AutoScaling, CloudWatch), handed out per location by a Provider, in domain terms (API
// types in, small structs out); only this package builds SDK inputs and knows AWS's words.
package cloud

import (
	"context"
	"time"

	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	corev1 "k8s.io/api/core/v1"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// Services are the AWS services of one location, each safe for concurrent use.
//
// Throughout, describe methods return nil for a resource that does not exist, and delete methods
// treat "not found" as success. Errors from AWS are *Error values (see errors.go) carrying AWS's
// code and message and a Class that says whether to retry.
type Services struct {
	AutoScaling AutoScaling
	CloudWatch  CloudWatch
}

// AutoScaling is what the controllers need from EC2 Auto Scaling in one location: launch
// configurations, groups and their scaling activities, scaling policies.
type AutoScaling interface {
	// DescribeLaunchConfiguration returns the named launch configuration. Launch configurations
	// are immutable and change only through us, so it is served from the inventory (batched
	// DescribeLaunchConfigurations, 50 names a call) for up to ProviderOptions.CacheTTL; our own
	// creates and deletes, and an AlreadyExists from CreateLaunchConfiguration, refresh the entry.
	DescribeLaunchConfiguration(ctx context.Context, name string) (*LaunchConfiguration, error)
	// CreateLaunchConfiguration creates a launch configuration from the spec; userData is plain
	// text (base64-encoded here). An existing name returns an AlreadyExists *Error.
	CreateLaunchConfiguration(ctx context.Context, name string, spec *ec2v1alpha1.LaunchConfigurationSpec, userData string) error
	// DeleteLaunchConfiguration deletes the named launch configuration. One still used by a group
	// fails with ResourceInUse (ClassWaitAndRequeue).
	DeleteLaunchConfiguration(ctx context.Context, name string) error
	// GroupsUsingLaunchConfiguration lists the AWS names of groups whose launch configuration is
	// name, sorted. It answers from the inventory when that already shows a user; when it shows
	// none, it lists every group in the region afresh, so an empty answer is never stale.
	GroupsUsingLaunchConfiguration(ctx context.Context, name string) ([]string, error)

	// DescribeGroup returns the named group, served from a per-region inventory refreshed in bulk
	// (DescribeAutoScalingGroups, 100 names a call) when it is younger than maxAge; a zero maxAge
	// forces a fresh read.
	DescribeGroup(ctx context.Context, name string, maxAge time.Duration) (*Group, error)
	// CreateGroup creates the group, tagged with the user's tags and the owner tag, and suspends
	// the spec's suspended processes. An existing name returns an AlreadyExists *Error.
	CreateGroup(ctx context.Context, in *GroupInput) error
	// UpdateGroup changes the group so it matches in, making only the calls the diff needs (no call
	// when nothing differs). It returns whether it wrote anything.
	UpdateGroup(ctx context.Context, in *GroupInput, current *Group) (bool, error)
	// SetOwnerTag sets (value != "") or removes (value == "") the owner tag on the group.
	SetOwnerTag(ctx context.Context, group, value string) error
	// DeleteGroup deletes the group; with force, its instances are terminated too.
	DeleteGroup(ctx context.Context, name string, force bool) error
	// ScalingActivities returns the group's activities that started after since, ended after
	// since, or are still in progress (all when since is zero), newest first, at most limit (all
	// that are kept, up to 100, when limit <= 0), and asOf: the answer accounts for every
	// activity AWS listed for the group before asOf (this process's clock, comparable with
	// Group.ObservedAt). Served from a per-region feed polled account-wide at most every
	// ProviderOptions.ActivityPollInterval; see activityFeed for why no activity is lost between
	// calls.
	ScalingActivities(ctx context.Context, group string, since time.Time, limit int) (acts []Activity, asOf time.Time, err error)

	// DescribePolicies returns the group's named scaling policies, in the order of names (nil for
	// one that does not exist), served from the inventory for up to ProviderOptions.CacheTTL; our
	// own puts and deletes update it. Those it must read cost one batched DescribePolicies.
	DescribePolicies(ctx context.Context, group string, names []string) ([]*Policy, error)
	// PutPolicy makes the SimpleScaling policy match in and returns its ARN and whether it wrote
	// anything: no call when current (what DescribePolicies returned) already matches.
	PutPolicy(ctx context.Context, in *PolicyInput, current *Policy) (arn string, wrote bool, err error)
	// DeletePolicy deletes the group's named policy.
	DeletePolicy(ctx context.Context, group, name string) error
}

// CloudWatch is what the controllers need from CloudWatch in one location: metric alarms.
type CloudWatch interface {
	// DescribeAlarms returns the named alarms, in the order of names (nil for one that does not
	// exist), served from the per-region inventory like DescribeGroup; those it must read cost one
	// batched DescribeAlarms.
	DescribeAlarms(ctx context.Context, names []string, maxAge time.Duration) ([]*Alarm, error)
	// PutAlarm creates or updates the alarm (no call when current already matches). The owner
	// tag is set on create; on an existing alarm a differing owner tag is set with TagResource,
	// or removed with UntagResource when in.OwnerTag is empty (orphaning). It returns whether it
	// wrote anything.
	PutAlarm(ctx context.Context, in *AlarmInput, current *Alarm) (bool, error)
	// DeleteAlarm deletes the named alarm.
	DeleteAlarm(ctx context.Context, name string) error
}

// LaunchConfiguration is a launch configuration as AWS reports it.
type LaunchConfiguration struct {
	Name        string
	ARN         string
	CreatedTime time.Time
}

// GroupInput is the desired state of a group in AWS terms.
type GroupInput struct {
	Name                    string
	LaunchConfigurationName string
	Spec                    *ec2v1alpha1.AutoScalingGroupSpec
	// OwnerTag is the value of the owner tag, <cluster-id>/<namespace>/<name>.
	OwnerTag string
}

// Group is a group as AWS reports it.
type Group struct {
	Name                              string
	ARN                               string
	LaunchConfigurationName           string
	MinSize, MaxSize, DesiredCapacity int32
	AvailabilityZones                 []string
	VPCZoneIdentifier                 []string
	LoadBalancerNames                 []string
	TargetGroupARNs                   []string
	HealthCheckType                   string
	HealthCheckGracePeriod            int32
	DefaultCooldown                   int32
	TerminationPolicies               []string
	SuspendedProcesses                []string
	Tags                              []ec2v1alpha1.Tag // includes the owner tag when present
	MaxInstanceLifetime               int32
	NewInstancesProtectedFromScaleIn  bool
	CapacityRebalance                 bool
	Status                            string // groupStatusDeleting while AWS deletes it
	Instances                         []ec2v1alpha1.InstanceStatus
	// ObservedAt is when the describe that returned this started (this process's clock).
	ObservedAt time.Time
}

// groupStatusDeleting is the Status AWS reports while it deletes a group.
const groupStatusDeleting = "Delete in progress"

// Deleting reports whether AWS is deleting the group.
func (g *Group) Deleting() bool { return g.Status == groupStatusDeleting }

// LifecycleInService is the lifecycle state of an instance that serves.
const LifecycleInService = string(astypes.LifecycleStateInService)

// OwnerTag returns the value of the group's owner tag, or "".
func (g *Group) OwnerTag() string {
	for _, t := range g.Tags {
		if t.Key == ec2v1alpha1.OwnerTagKey {
			return t.Value
		}
	}
	return ""
}

// Activity is a scaling activity as AWS reports it.
type Activity = ec2v1alpha1.Activity

// ActivityDone reports whether the activity reached a final status and will not change again.
func ActivityDone(a Activity) bool { return activityDone(&a) }

// ActivityFailed reports whether the activity ended in failure.
func ActivityFailed(a Activity) bool {
	return a.StatusCode == string(astypes.ScalingActivityStatusCodeFailed)
}

// ActivityReference names a scaling activity as the related object of a Kubernetes Event.
func ActivityReference(id string) *corev1.ObjectReference {
	return &corev1.ObjectReference{APIVersion: "autoscaling.amazonaws.com/2011-01-01", Kind: "ScalingActivity", Name: id}
}

// PolicyInput is the desired SimpleScaling policy.
type PolicyInput struct {
	Group string
	Name  string
	// AdjustmentType is ChangeInCapacity or PercentChangeInCapacity.
	AdjustmentType    string
	ScalingAdjustment int32
	// Cooldown in seconds; nil leaves the group's default cooldown.
	Cooldown *int32
}

// Policy is a scaling policy as AWS reports it.
type Policy struct {
	ARN               string
	Name              string
	Group             string
	PolicyType        string // SimpleScaling for ours
	AdjustmentType    string
	ScalingAdjustment int32
	Cooldown          *int32
	// MinAdjustmentMagnitude is 1 on our percent policies (so small groups still move).
	MinAdjustmentMagnitude *int32
	// Enabled is false when someone disabled the policy behind our back.
	Enabled bool
}

// AlarmInput is the desired metric alarm.
type AlarmInput struct {
	Name               string
	Namespace          string
	MetricName         string
	Statistic          string
	Unit               string
	Dimensions         map[string]string
	Period             int32
	EvaluationPeriods  int32
	Threshold          float64
	ComparisonOperator string // GreaterThanThreshold or LessThanThreshold
	AlarmActions       []string
	// OwnerTag is the value of the owner tag set on the alarm.
	OwnerTag string
}

// The comparison operators of a trigger's two alarms.
const (
	GreaterThanThreshold = string(cwtypes.ComparisonOperatorGreaterThanThreshold)
	LessThanThreshold    = string(cwtypes.ComparisonOperatorLessThanThreshold)
)

// GroupDimension is the metric dimension that selects a group's instances.
const GroupDimension = "AutoScalingGroupName"

// Alarm states (Alarm.StateValue).
const (
	AlarmStateOK               = string(cwtypes.StateValueOk)
	AlarmStateAlarm            = string(cwtypes.StateValueAlarm)
	AlarmStateInsufficientData = string(cwtypes.StateValueInsufficientData)
)

// AlarmReference names an alarm as the related object of a Kubernetes Event.
func AlarmReference(name string) *corev1.ObjectReference {
	return &corev1.ObjectReference{APIVersion: "monitoring.amazonaws.com/2010-08-01", Kind: "MetricAlarm", Name: name}
}

// Alarm is a metric alarm as CloudWatch reports it. AlarmInput.OwnerTag is the alarm's owner
// tag (read once per alarm with ListTagsForResource, then kept, since DescribeAlarms omits tags).
type Alarm struct {
	AlarmInput
	ARN         string
	StateValue  string
	StateReason string
	// StateUpdatedTimestamp is the last update of the state or its reason.
	StateUpdatedTimestamp time.Time
	// StateTransitionedTimestamp is the last change of StateValue: the alarm's lastTransitionTime.
	StateTransitionedTimestamp time.Time
	// ActionsEnabled is false when someone disabled the alarm's actions behind our back.
	ActionsEnabled bool
}
