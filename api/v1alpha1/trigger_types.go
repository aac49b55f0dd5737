package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TriggerSpec is boto's Autoscale Trigger: scale a group up by upperBreachScaleIncrement when the
// metric stays above upperThreshold for breachDuration, and down by lowerBreachScaleIncrement when it
// stays below lowerThreshold. The operator realises it as two SimpleScaling policies and two
// CloudWatch alarms whose actions are those policies.
// +kubebuilder:validation:XValidation:rule="self.period <= 0 || self.breachDuration % self.period == 0",message="breachDuration must be a multiple of period"
// +kubebuilder:validation:XValidation:rule="self.lowerThreshold < self.upperThreshold",message="lowerThreshold must be less than upperThreshold"
// +kubebuilder:validation:XValidation:rule="has(self.region) == has(oldSelf.region) && (!has(self.region) || self.region == oldSelf.region)",message="region is immutable: create a new object in the other region"
// +kubebuilder:validation:XValidation:rule="self.autoScalingGroupRef.name == oldSelf.autoScalingGroupRef.name",message="autoScalingGroupRef is immutable: create a new Trigger for the other group"
type TriggerSpec struct {
	AWSResourceSpec `json:",inline"`

	// autoScalingGroupRef names the AutoScalingGroup, in the same namespace, the trigger scales.
	// Cannot be changed after creation.
	// +required
	AutoScalingGroupRef LocalObjectReference `json:"autoScalingGroupRef"`

	// metricName is the CloudWatch metric the trigger watches.
	// +kubebuilder:default=CPUUtilization
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	MetricName string `json:"metricName,omitempty"`

	// namespace is the CloudWatch namespace of the metric.
	// +kubebuilder:default="AWS/EC2"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// statistic is how the metric's datapoints in a period are combined.
	// +kubebuilder:validation:Enum=Average;Sum;Minimum;Maximum;SampleCount
	// +kubebuilder:default=Average
	// +optional
	Statistic string `json:"statistic,omitempty"`

	// unit of the metric, for example Percent. When unset, datapoints of any unit count.
	// +kubebuilder:validation:Enum=Seconds;Microseconds;Milliseconds;Bytes;Kilobytes;Megabytes;Gigabytes;Terabytes;Bits;Kilobits;Megabits;Gigabits;Terabits;Percent;Count;Bytes/Second;Kilobytes/Second;Megabytes/Second;Gigabytes/Second;Terabytes/Second;Bits/Second;Kilobits/Second;Megabits/Second;Gigabits/Second;Terabits/Second;Count/Second;None
	// +optional
	Unit string `json:"unit,omitempty"`

	// dimensions select the metric's time series. Defaults to AutoScalingGroupName = the group's AWS name.
	// +kubebuilder:validation:MaxItems=30
	// +listType=map
	// +listMapKey=name
	// +optional
	Dimensions []Dimension `json:"dimensions,omitempty"`

	// period is the length in seconds of each evaluation period: 10, 30 or a multiple of 60.
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=86400
	// +kubebuilder:validation:XValidation:rule="self == 10 || self == 30 || self % 60 == 0",message="period must be 10, 30 or a multiple of 60 seconds"
	// +kubebuilder:default=60
	// +optional
	Period int32 `json:"period,omitempty"`

	// breachDuration is how many seconds the metric must stay past a threshold before the trigger
	// scales: a positive multiple of period, at most one day (86400).
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=86400
	// +required
	BreachDuration int32 `json:"breachDuration"`

	// lowerThreshold: below it for breachDuration, the group scales by lowerBreachScaleIncrement.
	// +required
	LowerThreshold float64 `json:"lowerThreshold"`

	// lowerBreachScaleIncrement is how the group changes when the lower threshold is breached:
	// "-5" removes five instances, "-10%" removes ten percent. Zero or negative.
	// +kubebuilder:validation:Pattern=`^[+-]?[0-9]+%?$`
	// +kubebuilder:validation:MaxLength=12
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[+-]?[0-9]+%?$') || self.matches('^(-[0-9]+|[+-]?0+)%?$')",message="lowerBreachScaleIncrement must be zero or negative, like \"-5\" or \"-10%\""
	// +required
	LowerBreachScaleIncrement string `json:"lowerBreachScaleIncrement"`

	// upperThreshold: above it for breachDuration, the group scales by upperBreachScaleIncrement.
	// +required
	UpperThreshold float64 `json:"upperThreshold"`

	// upperBreachScaleIncrement is how the group changes when the upper threshold is breached:
	// "10" adds ten instances, "10%" adds ten percent. Zero or positive.
	// +kubebuilder:validation:Pattern=`^[+-]?[0-9]+%?$`
	// +kubebuilder:validation:MaxLength=12
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[+-]?[0-9]+%?$') || self.matches('^([+]?[0-9]+|-0+)%?$')",message="upperBreachScaleIncrement must be zero or positive, like \"10\" or \"10%\""
	// +required
	UpperBreachScaleIncrement string `json:"upperBreachScaleIncrement"`

	// cooldown is how many seconds after a scaling activity the trigger's policies wait before acting
	// again. When unset, the group's defaultCooldown applies.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	// +optional
	Cooldown *int32 `json:"cooldown,omitempty"`
}

// Dimension is a name/value pair that selects a metric's time series.
type Dimension struct {
	// name of the dimension, for example AutoScalingGroupName.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +required
	Name string `json:"name"`

	// value of the dimension.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +required
	Value string `json:"value"`
}

// AlarmStatus is one of the trigger's CloudWatch alarms as CloudWatch reports it.
type AlarmStatus struct {
	// name of the alarm in CloudWatch.
	Name string `json:"name"`
	// state is OK, ALARM or INSUFFICIENT_DATA.
	// +optional
	State string `json:"state,omitempty"`
	// stateReason is CloudWatch's explanation of the state.
	// +optional
	StateReason string `json:"stateReason,omitempty"`
	// lastTransitionTime is when the alarm last changed state.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// TriggerStatus is what the operator observed of the trigger's policies and alarms.
type TriggerStatus struct {
	// conditions: Ready, Reconciling and Stalled, following the kstatus conventions.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// state summarises the alarms: ScalingUp (upper alarm firing), ScalingDown (lower alarm
	// firing), Idle (both OK) or InsufficientData.
	// +optional
	State string `json:"state,omitempty"`

	// upperPolicyARN is the ARN of the scaling policy run when the upper threshold is breached.
	// +optional
	UpperPolicyARN string `json:"upperPolicyARN,omitempty"`

	// lowerPolicyARN is the ARN of the scaling policy run when the lower threshold is breached.
	// +optional
	LowerPolicyARN string `json:"lowerPolicyARN,omitempty"`

	// upperAlarm is the alarm on the upper threshold.
	// +optional
	UpperAlarm *AlarmStatus `json:"upperAlarm,omitempty"`

	// lowerAlarm is the alarm on the lower threshold.
	// +optional
	LowerAlarm *AlarmStatus `json:"lowerAlarm,omitempty"`
}

// Trigger states summarised in status.state.
const (
	TriggerStateIdle             = "Idle"
	TriggerStateScalingUp        = "ScalingUp"
	TriggerStateScalingDown      = "ScalingDown"
	TriggerStateInsufficientData = "InsufficientData"
)

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=trg,categories=autoscale
// +kubebuilder:printcolumn:name="Group",type=string,JSONPath=`.spec.autoScalingGroupRef.name`
// +kubebuilder:printcolumn:name="Metric",type=string,JSONPath=`.spec.metricName`
// +kubebuilder:printcolumn:name="Lower",type=number,JSONPath=`.spec.lowerThreshold`
// +kubebuilder:printcolumn:name="Upper",type=number,JSONPath=`.spec.upperThreshold`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// Trigger scales an AutoScalingGroup on a CloudWatch metric, as boto's Autoscale Trigger did: up
// when the metric stays above upperThreshold, down when it stays below lowerThreshold.
type Trigger struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired trigger.
	// +required
	Spec TriggerSpec `json:"spec"`

	// status is what the operator observed in AWS: the policies, the alarms and their states.
	// +optional
	Status TriggerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// TriggerList is a list of Triggers.
type TriggerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Trigger `json:"items"`
}

func init() {
	register(&Trigger{}, &TriggerList{})
}
