package controllers

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
)

// Resource states counted by autoscale_operator_resources.
const (
	stateReady    = "ready"
	stateNotReady = "not_ready"
	stateStalled  = "stalled"
	stateDeleting = "deleting"
)

var allStates = []string{stateReady, stateNotReady, stateStalled, stateDeleting}

// Metrics counts the objects each reconciler manages by state, as the gauge
// autoscale_operator_resources{kind,state}. A nil *Metrics records nothing.
type Metrics struct {
	resources *prometheus.GaugeVec

	mu     sync.Mutex
	states map[string]map[types.NamespacedName]string // kind → object → state
}

// NewMetrics registers the operator's resource gauges with reg (controller-runtime's
// metrics.Registry in the manager). Registering twice in one process (a test restarting its
// manager) reuses the first registration.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "autoscale_operator_resources",
		Help: "Objects managed by the operator, by kind and state (ready, not_ready, stalled, deleting).",
	}, []string{"kind", "state"})
	if err := reg.Register(g); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, err
		}
		existing, ok := are.ExistingCollector.(*prometheus.GaugeVec)
		if !ok {
			return nil, err
		}
		g = existing
	}
	return &Metrics{resources: g, states: map[string]map[types.NamespacedName]string{}}, nil
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
