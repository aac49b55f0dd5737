package controllers

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// Resource states counted by autoscale_operator_resources.
const (
	stateReady    = "ready"
	stateNotReady = "not_ready"
	stateStalled  = "stalled"
	stateDeleting = "deleting"
)

var allStates = []string{stateReady, stateNotReady, stateStalled, stateDeleting}

// kindGroup is the kind whose objects also have per-group series.
const kindGroup = "AutoScalingGroup"

// Metrics counts the objects each reconciler manages by state, as the gauge
// autoscale_operator_resources{kind,state}, and follows each AutoScalingGroup's capacity and
// finished scaling activities. A nil *Metrics records nothing.
type Metrics struct {
	resources  *prometheus.GaugeVec
	desired    *prometheus.GaugeVec
	inService  *prometheus.GaugeVec
	activities *prometheus.CounterVec

	mu     sync.Mutex
	states map[string]map[types.NamespacedName]string // kind → object → state
}

// NewMetrics registers the operator's metrics with reg (controller-runtime's metrics.Registry in
// the manager). Registering twice in one process (a test restarting its manager) reuses the first
// registration.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{states: map[string]map[types.NamespacedName]string{}}
	var err error
	if m.resources, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "autoscale_operator_resources",
		Help: "Objects managed by the operator, by kind and state (ready, not_ready, stalled, deleting).",
	}, []string{"kind", "state"})); err != nil {
		return nil, err
	}
	// Per-group series are labelled namespace and name, as kube-state-metrics labels objects; the
	// ServiceMonitor honours them over the pod's own namespace label.
	if m.desired, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "autoscale_operator_group_desired_capacity",
		Help: "Desired capacity of each AutoScalingGroup in AWS, as last observed.",
	}, []string{"namespace", "name"})); err != nil {
		return nil, err
	}
	if m.inService, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "autoscale_operator_group_in_service_instances",
		Help: "Instances in the InService lifecycle state in each AutoScalingGroup, as last observed.",
	}, []string{"namespace", "name"})); err != nil {
		return nil, err
	}
	if m.activities, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "autoscale_operator_scaling_activities_total",
		Help: "Scaling activities of each AutoScalingGroup seen to finish, by final status (Successful, Failed, Cancelled).",
	}, []string{"namespace", "name", "status"})); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c with reg, or returns the collector of the same description already there.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}

// observe records key's state; state "" forgets it (the object is gone).
func (m *Metrics) observe(kind string, key types.NamespacedName, state string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	byKey := m.states[kind]
	if byKey == nil {
		byKey = map[types.NamespacedName]string{}
		m.states[kind] = byKey
	}
	if state == "" {
		delete(byKey, key)
		if kind == kindGroup {
			m.desired.DeleteLabelValues(key.Namespace, key.Name)
			m.inService.DeleteLabelValues(key.Namespace, key.Name)
			m.activities.DeletePartialMatch(prometheus.Labels{"namespace": key.Namespace, "name": key.Name})
		}
	} else {
		byKey[key] = state
	}
	counts := map[string]int{}
	for _, s := range byKey {
		counts[s]++
	}
	// Every state is set, zeros included, so a state that empties drops to 0 instead of
	// keeping its last count.
	for _, s := range allStates {
		m.resources.WithLabelValues(kind, s).Set(float64(counts[s]))
	}
}

// observeGroup records a group's capacity from its new status and counts the activities that
// finished between prev and next. An activity counts once, when a status first shows it finished;
// a status patch that fails would let the next sync count it again, a rare over-count that rate()
// barely notices.
func (m *Metrics) observeGroup(key types.NamespacedName, prev, next *ec2v1alpha1.AutoScalingGroupStatus) {
	if m == nil {
		return
	}
	m.desired.WithLabelValues(key.Namespace, key.Name).Set(float64(ptr.Deref(next.DesiredCapacity, 0)))
	m.inService.WithLabelValues(key.Namespace, key.Name).Set(float64(next.InServiceCount))
	for _, a := range newlyFinished(prev.Activities, next.Activities) {
		m.activities.WithLabelValues(key.Namespace, key.Name, a.StatusCode).Inc()
	}
}

// newlyFinished lists the activities of next that are finished and were not finished in prev.
func newlyFinished(prev, next []ec2v1alpha1.Activity) []ec2v1alpha1.Activity {
	done := make(map[string]bool, len(prev))
	for _, a := range prev {
		done[a.ActivityID] = cloud.ActivityDone(a)
	}
	var out []ec2v1alpha1.Activity
	for _, a := range next {
		if cloud.ActivityDone(a) && !done[a.ActivityID] {
			out = append(out, a)
		}
	}
	return out
}

// stateOf is the metric state of an object from its conditions.
func stateOf(c conditions, deleting bool) string {
	switch {
	case deleting:
		return stateDeleting
	case c.isReady():
		return stateReady
	case c.isStalled():
		return stateStalled
	default:
		return stateNotReady
	}
}
