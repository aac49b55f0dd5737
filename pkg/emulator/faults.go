package emulator

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// FaultRule makes an action (or every action, "*") misbehave the way AWS does under load, so the
// operator's retry and backoff paths run in tests.
type FaultRule struct {
	// ErrorRate is the probability (0..1) that a call fails with Code.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// Code is the error returned: Throttling (the default), RequestLimitExceeded, InternalFailure
	// or ServiceUnavailable; any other code is returned as a 400 client error. EC2 actions answer
	// in EC2's own codes: RequestLimitExceeded (HTTP 503) for Throttling, InternalError for
	// InternalFailure, Unavailable for ServiceUnavailable.
	Code string `json:"code,omitempty"`
	// Latency (plus up to LatencyJitter more, uniformly) delays every matching call, in real time.
	Latency       time.Duration `json:"latency,omitempty"`
	LatencyJitter time.Duration `json:"latencyJitter,omitempty"`
	// FailNext fails the next N matching calls with Code regardless of ErrorRate.
	FailNext int `json:"failNext,omitempty"`
}

// Faults holds the active fault rules; safe for concurrent use.
type Faults struct {
	mu    sync.Mutex
	rules map[string]*FaultRule
}

func newFaults() *Faults { return &Faults{rules: map[string]*FaultRule{}} }

// Faults returns the emulator's fault injector.
func (e *Emulator) Faults() *Faults { return e.faults }

// Set installs rule for action ("*" for every action), replacing any earlier rule for it. An
// action's own rule takes precedence over "*".
func (f *Faults) Set(action string, rule FaultRule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules[action] = &rule
}

// Clear removes every rule.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = map[string]*FaultRule{}
}

// Rules returns a copy of the active rules by action.
func (f *Faults) Rules() map[string]FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]FaultRule, len(f.rules))
	for k, v := range f.rules {
		out[k] = *v
	}
	return out
}

// faultDecision is what to do to one call: wait delay, then fail with err if it is set.
type faultDecision struct {
	delay time.Duration
	err   *APIError
}

// decide rolls the dice for one call to action; nil means no fault.
func (f *Faults) decide(action string) *faultDecision {
	f.mu.Lock()
	defer f.mu.Unlock()
	rule, ok := f.rules[action]
	if !ok {
		if rule, ok = f.rules["*"]; !ok {
			return nil
		}
	}
	d := &faultDecision{delay: rule.Latency}
	if rule.LatencyJitter > 0 {
		d.delay += rand.N(rule.LatencyJitter)
	}
	switch {
	case rule.FailNext > 0:
		rule.FailNext--
		d.err = faultError(rule.Code)
	case rule.ErrorRate > 0 && rand.Float64() < rule.ErrorRate:
		d.err = faultError(rule.Code)
	}
	if d.delay == 0 && d.err == nil {
		return nil
	}
	return d
}

// faultError is the error AWS returns for code, with AWS's status and message for the known ones.
func faultError(code string) *APIError {
	switch code {
	case "", "Throttling":
		return &APIError{Code: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest, Sender: true}
	case "RequestLimitExceeded":
		return &APIError{Code: code, Message: "Request limit exceeded.", Status: http.StatusBadRequest, Sender: true}
	case "InternalFailure":
		return &APIError{Code: code, Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError}
	case "ServiceUnavailable":
		return &APIError{Code: code, Message: "The request has failed due to a temporary failure of the server.", Status: http.StatusServiceUnavailable}
	default:
		return senderError(code, "Injected fault %s.", code)
	}
}

// callCounter counts calls per action and errors per action and code; safe for concurrent use.
type callCounter struct {
	mu     sync.Mutex
	counts map[string]int64
}

func newCallCounter() *callCounter { return &callCounter{counts: map[string]int64{}} }

func (c *callCounter) add(action string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[action]++
}

// addError counts under "Action:Code" (for example "SetDesiredCapacity:Throttling"), so a test can
// tell injected throttles from real validation errors.
func (c *callCounter) addError(action, code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[action+":"+code]++
}

// Calls returns how many calls each action received ("DescribeAutoScalingGroups") and how many of
// them failed with each error code ("DescribeAutoScalingGroups:Throttling"), across all regions
// and services. Actions are counted by name alone, so EC2's and Auto Scaling's DescribeTags and
// DeleteTags share a counter (OnCall's Call.Service tells them apart).
func (e *Emulator) Calls() map[string]int64 {
	e.calls.mu.Lock()
	defer e.calls.mu.Unlock()
	out := make(map[string]int64, len(e.calls.counts))
	for k, v := range e.calls.counts {
		out[k] = v
	}
	return out
}

// ResetCalls zeroes every counter.
func (e *Emulator) ResetCalls() {
	e.calls.mu.Lock()
	defer e.calls.mu.Unlock()
	e.calls.counts = map[string]int64{}
}
