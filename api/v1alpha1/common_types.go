package v1alpha1

// DeletionPolicy says what happens to the AWS resources when the Kubernetes object is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the AWS resources and waits until they are gone.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan removes the operator's owner tag and leaves the AWS resources in place.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// LocalObjectReference names another object of this API in the same namespace.
type LocalObjectReference struct {
	// name of the referenced object, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="size(self) == 0 || self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of an object: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
	// +required
	Name string `json:"name"`
}

// SecretKeySelector selects one key of a Secret in the same namespace.
type SecretKeySelector struct {
	// name of the Secret, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="size(self) == 0 || self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of a Secret: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
	// +required
	Name string `json:"name"`

	// key within the Secret's data whose value is used.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +required
	Key string `json:"key"`
}

// AWSResourceSpec holds the fields every kind of this API shares. It is embedded in each spec.
type AWSResourceSpec struct {
	// region is the AWS region of the resource, for example us-east-1. When unset, the operator's
	// region (its --aws-region flag or the standard AWS configuration) is used. Cannot be changed
	// after creation.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +optional
	Region string `json:"region,omitempty"`

	// deletionPolicy says what happens to the AWS resources when this object is deleted: Delete
	// (the default) removes them and waits until they are gone; Orphan removes the operator's owner
	// tag and leaves them running.
	// +kubebuilder:default=Delete
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Condition types. They follow the kstatus conventions, so Flux and Argo CD health checks and
// `kubectl wait --for=condition=Ready` work: Ready summarises; Reconciling and Stalled are present
// and True only while the object is being worked on or cannot progress.
const (
	// ConditionReady is True when the AWS resource exists and matches the spec.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator is moving the AWS resource towards the spec.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the operator cannot make progress without a change from a person.
	ConditionStalled = "Stalled"
)

// Condition reasons.
const (
	// ReasonReconciled: the AWS resource matches the spec.
	ReasonReconciled = "Reconciled"
	// ReasonProgressing: the operator is creating or updating the AWS resource.
	ReasonProgressing = "Progressing"
	// ReasonScalingActivityInProgress: the group has a scaling activity in progress.
	ReasonScalingActivityInProgress = "ScalingActivityInProgress"
	// ReasonActivityHistoryPending: the group has settled, and Ready waits for the scaling
	// activity history to show how it got there (at most one poll of the activity feed).
	ReasonActivityHistoryPending = "ActivityHistoryPending"
	// ReasonLaunchConfigurationNotReady: the group waits for its launch configuration.
	ReasonLaunchConfigurationNotReady = "LaunchConfigurationNotReady"
	// ReasonAutoScalingGroupNotReady: the trigger waits for its group.
	ReasonAutoScalingGroupNotReady = "AutoScalingGroupNotReady"
	// ReasonUserDataSecretNotFound: the Secret named by userDataSecretRef, or its key, is missing.
	ReasonUserDataSecretNotFound = "UserDataSecretNotFound"
	// ReasonConflict: a same-named AWS resource exists that this object does not own.
	ReasonConflict = "Conflict"
	// ReasonAWSError: AWS refused a call; the message carries AWS's code and message.
	ReasonAWSError = "AWSError"
	// ReasonInvalidSpec: AWS rejected the spec as invalid; fix the spec to continue.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonDeleting: the AWS resources are being deleted.
	ReasonDeleting = "Deleting"
	// ReasonInUse: deletion waits because another object still uses this one.
	ReasonInUse = "InUse"
)

// AdoptAnnotation, set to "true" on an object, lets the operator adopt a same-named AWS resource
// that carries no owner tag.
const AdoptAnnotation = "autoscale-operator.io/adopt"

// OwnerTagKey is the AWS tag that marks a resource as managed by an object:
// value <cluster-id>/<namespace>/<name>.
const OwnerTagKey = "autoscale-operator.io/owner"
