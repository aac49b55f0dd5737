// Package v1alpha1 contains the API types of the ec2.autoscale-operator.io group: LaunchConfiguration,
// AutoScalingGroup and Trigger, the declarative form of boto's Autoscale tutorial.
// +kubebuilder:object:generate=true
// +groupName=ec2.autoscale-operator.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of these types.
	GroupVersion = schema.GroupVersion{Group: "ec2.autoscale-operator.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types in this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
