// Package v1alpha1 contains the API types of the ec2.autoscale-operator.io group: LaunchConfiguration,
// AutoScalingGroup and Trigger, the declarative form of boto's Autoscale tutorial.
// +kubebuilder:object:generate=true
// +groupName=ec2.autoscale-operator.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of these types.
	GroupVersion = schema.GroupVersion{Group: "ec2.autoscale-operator.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types with a runtime.Scheme. It depends on apimachinery only, so
	// importing the API does not pull in controller-runtime.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types in this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme

	// knownTypes are the kinds each types file registers in its init.
	knownTypes []runtime.Object
)

// register adds kinds (each with its list) to the group-version.
func register(objs ...runtime.Object) { knownTypes = append(knownTypes, objs...) }

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, knownTypes...)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
