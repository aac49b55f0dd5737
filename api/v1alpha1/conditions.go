package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Condition accessors, as Flux's conditions.Setter has them, plus observedGeneration: code that
// handles status the same way for every kind (the reconcile skeleton, tests, tools) reads and
// writes it through these instead of switching over the kinds.

// GetConditions returns status.conditions.
func (in *LaunchConfiguration) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces status.conditions.
func (in *LaunchConfiguration) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

// GetObservedGeneration returns status.observedGeneration.
func (in *LaunchConfiguration) GetObservedGeneration() int64 { return in.Status.ObservedGeneration }

// SetObservedGeneration sets status.observedGeneration.
func (in *LaunchConfiguration) SetObservedGeneration(g int64) { in.Status.ObservedGeneration = g }

// GetConditions returns status.conditions.
func (in *AutoScalingGroup) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces status.conditions.
func (in *AutoScalingGroup) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

// GetObservedGeneration returns status.observedGeneration.
func (in *AutoScalingGroup) GetObservedGeneration() int64 { return in.Status.ObservedGeneration }

// SetObservedGeneration sets status.observedGeneration.
func (in *AutoScalingGroup) SetObservedGeneration(g int64) { in.Status.ObservedGeneration = g }

// GetConditions returns status.conditions.
func (in *Trigger) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces status.conditions.
func (in *Trigger) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }

// GetObservedGeneration returns status.observedGeneration.
func (in *Trigger) GetObservedGeneration() int64 { return in.Status.ObservedGeneration }

// SetObservedGeneration sets status.observedGeneration.
func (in *Trigger) SetObservedGeneration(g int64) { in.Status.ObservedGeneration = g }
