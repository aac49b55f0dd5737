package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// adminPrefix is where the emulator's own control API lives; AWS APIs never use this path.
const adminPrefix = "/_emulator/"

// adminHandler is the JSON control API for tests and demos in other languages:
//
//	GET    /_emulator/calls                     call counters (Calls)
//	DELETE /_emulator/calls                     reset them
//	GET    /_emulator/faults                    active fault rules
//	POST   /_emulator/faults                    {"action":"*","code":"Throttling","errorRate":0.5,"latency":"100ms","latencyJitter":"50ms","failNext":2}
//	DELETE /_emulator/faults                    clear all rules
//	GET    /_emulator/snapshot                  Snapshot
//	POST   /_emulator/load                      {"region":"us-east-1","group":"web","cpu":85}
//	POST   /_emulator/clock/advance             {"seconds":300} (manual clock only)
//	POST   /_emulator/instances/{id}/unhealthy  fail the instance's health check
//	GET    /_emulator/account                   the account's settings: {"denyLaunchConfigurations":false}
//	POST   /_emulator/account                   change them: {"denyLaunchConfigurations":true}
func (e *Emulator) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_emulator/calls", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.Calls()) })
	mux.HandleFunc("DELETE /_emulator/calls", func(w http.ResponseWriter, r *http.Request) {
		e.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_emulator/faults", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.faults.Rules()) })
	mux.HandleFunc("POST /_emulator/faults", e.adminSetFault)
	mux.HandleFunc("DELETE /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		e.faults.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_emulator/snapshot", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.Snapshot()) })
	mux.HandleFunc("POST /_emulator/load", e.adminSetLoad)
	mux.HandleFunc("POST /_emulator/clock/advance", e.adminAdvanceClock)
	mux.HandleFunc("GET /_emulator/account", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.account()) })
	mux.HandleFunc("POST /_emulator/account", e.adminSetAccount)
	mux.HandleFunc("POST /_emulator/instances/{id}/unhealthy", func(w http.ResponseWriter, r *http.Request) {
		if err := e.MarkUnhealthy(r.PathValue("id")); err != nil {
			writeJSONError(w, http.StatusNotFound, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// faultRequest is FaultRule as JSON, with durations as Go duration strings ("250ms").
type faultRequest struct {
	Action        string  `json:"action"`
	ErrorRate     float64 `json:"errorRate"`
	Code          string  `json:"code"`
	Latency       string  `json:"latency"`
	LatencyJitter string  `json:"latencyJitter"`
	FailNext      int     `json:"failNext"`
}

func (e *Emulator) adminSetFault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.Action == "" {
		writeJSONError(w, http.StatusBadRequest, `"action" is required: an API action name such as "SetDesiredCapacity", or "*" for all`)
		return
	}
	if req.ErrorRate < 0 || req.ErrorRate > 1 || req.FailNext < 0 {
		writeJSONError(w, http.StatusBadRequest, `"errorRate" must be between 0 and 1 and "failNext" must not be negative`)
		return
	}
	rule := FaultRule{ErrorRate: req.ErrorRate, Code: req.Code, FailNext: req.FailNext}
	for _, d := range []struct {
		name string
		in   string
		out  *time.Duration
	}{{"latency", req.Latency, &rule.Latency}, {"latencyJitter", req.LatencyJitter, &rule.LatencyJitter}} {
		if d.in == "" {
			continue
		}
		v, err := time.ParseDuration(d.in)
		if err != nil || v < 0 {
			writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("%q must be a non-negative Go duration such as \"250ms\", got %q", d.name, d.in))
			return
		}
		*d.out = v
	}
	e.faults.Set(req.Action, rule)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) adminSetLoad(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Region string   `json:"region"`
		Group  string   `json:"group"`
		CPU    *float64 `json:"cpu"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Group == "" || req.CPU == nil {
		writeJSONError(w, http.StatusBadRequest, `send {"group": "<Auto Scaling group name>", "cpu": <percent>} and optionally "region"`)
		return
	}
	if req.Region == "" {
		req.Region = e.opts.DefaultRegion
	}
	e.SetGroupLoad(req.Region, req.Group, *req.CPU)
	w.WriteHeader(http.StatusNoContent)
}

// accountSettings are the account-wide switches the admin API shows and changes.
type accountSettings struct {
	DenyLaunchConfigurations *bool `json:"denyLaunchConfigurations,omitempty"`
}

func (e *Emulator) account() accountSettings {
	deny := e.denyLCs.Load()
	return accountSettings{DenyLaunchConfigurations: &deny}
}

// adminSetAccount changes the settings the body names and answers with all of them.
func (e *Emulator) adminSetAccount(w http.ResponseWriter, r *http.Request) {
	var req accountSettings
	if !readJSON(w, r, &req) {
		return
	}
	if req.DenyLaunchConfigurations == nil {
		writeJSONError(w, http.StatusBadRequest, `send {"denyLaunchConfigurations": true} or false`)
		return
	}
	e.SetDenyLaunchConfigurations(*req.DenyLaunchConfigurations)
	writeJSON(w, http.StatusOK, e.account())
}

func (e *Emulator) adminAdvanceClock(w http.ResponseWriter, r *http.Request) {
	clock, ok := e.clock.(*ManualClock)
	if !ok {
		writeJSONError(w, http.StatusConflict, "the emulator runs on a real (or scaled) clock, which cannot be advanced; start it with a ManualClock to control time")
		return
	}
	var req struct {
		Seconds float64 `json:"seconds"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Seconds < 0 {
		writeJSONError(w, http.StatusBadRequest, `"seconds" must not be negative: the clock only moves forward`)
		return
	}
	clock.Advance(time.Duration(req.Seconds * float64(time.Second)))
	e.Step()
	writeJSON(w, http.StatusOK, map[string]time.Time{"now": clock.Now()})
}

// maxAdminBody bounds admin request bodies; they are tiny JSON objects.
const maxAdminBody = 1 << 20

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSONError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
