// Package emulator is an in-process and standalone emulator of the slice of AWS the operator uses:
// EC2 Auto Scaling (AWS Query protocol), CloudWatch (Query, JSON 1.0 and Smithy RPCv2 CBOR) and
// EC2's launch templates and instances (EC2 Query), with a simulation behind them: instances
// launch from launch configurations or template versions and pass health checks after a delay,
// report CPUUtilization, and alarms drive scaling policies, all on an injectable clock. The wire
// codecs live in package wire; this package is the model, one lock and one instant across services.
//
// One Emulator serves every region; the region comes from the request's SigV4 credential scope,
// never from the Host header, so a single httptest server can stand in for any regional endpoint.
//
// In tests: New(Options{Clock: NewManualClock(t0), LaunchDelay: 30 * time.Second}) behind
// httptest.NewServer, SDK clients with BaseEndpoint set to the server's URL, then drive time with
// the clock (ManualClock.Advance) and load with SetGroupLoad; MarkUnhealthy fails an instance's
// health check; Faults injects throttling, errors and latency; Calls counts what the code under
// test called; Snapshot shows the state. A real-time server calls Run in the background.
package emulator

import (
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// Limits are the account quotas DescribeAccountLimits reports and Create* enforces. AWS's defaults
// are low for an operator that manages thousands of groups, so tests can raise them.
type Limits struct {
	MaxNumberOfAutoScalingGroups    int
	MaxNumberOfLaunchConfigurations int
	// MaxInstances caps the instances of a region, standing in for EC2's capacity quota: launches
	// beyond it fail (a Failed activity, retried after a back-off), as they do in AWS. It also
	// keeps a group with a huge desired capacity from eating the emulator's memory.
	MaxInstances int
}

// DefaultLimits are AWS's default quotas for a new account (MaxInstances is the emulator's own).
var DefaultLimits = Limits{MaxNumberOfAutoScalingGroups: 500, MaxNumberOfLaunchConfigurations: 200, MaxInstances: 10000}

// Options configure New. The zero value is usable: real clock, us-east-1, account 123456789012,
// AWS's default limits, instances InService the moment they launch.
type Options struct {
	// Clock is the source of time; nil means the wall clock.
	Clock Clock
	// LaunchDelay is how long a launched instance stays Pending before it is InService; zero makes
	// instances InService at once (the standalone server defaults to 30s).
	LaunchDelay time.Duration
	// TerminationDelay is how long a terminating instance stays in its group (and keeps the group
	// from being deleted without ForceDelete) before it is gone; zero removes it at once.
	TerminationDelay time.Duration
	// DefaultRegion serves requests whose signature names no region (SigV2, unsigned).
	DefaultRegion string
	// AccountID appears in every ARN.
	AccountID string
	// Limits are the account quotas; zero fields take DefaultLimits.
	Limits Limits
	// DefaultLoad is the CPUUtilization (percent) groups report until SetGroupLoad; 0 means 20.
	DefaultLoad float64
	// StateFile, if set, is loaded by New and written by Run (debounced, and at shutdown) and SaveState.
	StateFile string
	// Logger receives one line per API error and state-file problem; nil discards.
	Logger *slog.Logger
	// ImageExists says whether an AMI exists in the account's region. CreateLaunchConfiguration
	// with an image it rejects fails as AWS fails it, with a ValidationError naming the image, and
	// a group launching from a template version whose image it rejects records AWS's failed
	// launch activity, so tests can feed the operator input only AWS can reject. nil: every image
	// exists (the emulator knows no AMIs).
	ImageExists func(imageID string) bool
	// DenyLaunchConfigurations makes the account one that may not create launch configurations,
	// as every AWS account created since 2024-10-01 is: CreateLaunchConfiguration fails with
	// AWS's UnsupportedOperation, while existing launch configurations still describe, delete
	// and launch. SetDenyLaunchConfigurations (and the admin API) change it while running.
	DenyLaunchConfigurations bool
}

// XML namespaces of the two Query APIs.
const (
	autoScalingXMLNS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
	cloudWatchXMLNS  = "http://monitoring.amazonaws.com/doc/2010-08-01/"
)

const (
	autoScalingVersion = "2011-01-01"
	cloudWatchVersion  = "2010-08-01"
	cloudWatchService  = "GraniteServiceVersion20100801"
	cborPathPrefix     = "/service/" + cloudWatchService + "/operation/"
)

// Emulator is an http.Handler that answers Auto Scaling and CloudWatch API calls. All state is
// guarded by mu; API handlers, the simulation and the Go hooks each hold it for their whole step,
// so every request sees one consistent instant.
type Emulator struct {
	mu      sync.Mutex
	clock   Clock
	opts    Options
	log     *slog.Logger
	regions map[string]*regionState
	// simTime is how far the simulation has run; advanceTo moves it to the clock's now.
	simTime time.Time

	faults *Faults
	calls  *callCounter
	// denyLCs is Options.DenyLaunchConfigurations as it is now.
	denyLCs atomic.Bool
	// onCall is the hook OnCall installed, nil for none.
	onCall atomic.Pointer[func(Call)]
	// dirty wakes Run's state saver after a change; buffered so marking never blocks.
	dirty chan struct{}
	admin http.Handler
}

// regionState is everything one region holds: the services share the region's simulation.
type regionState struct {
	name string
	cw   *cloudWatchState
	as   *autoScalingState
	ec2  *ec2State
}

// New returns an emulator. If opts.StateFile exists it is loaded; an unreadable file is logged and
// ignored so a corrupt file never keeps the emulator from starting.
func New(opts Options) *Emulator {
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Limits.MaxNumberOfAutoScalingGroups <= 0 {
		opts.Limits.MaxNumberOfAutoScalingGroups = DefaultLimits.MaxNumberOfAutoScalingGroups
	}
	if opts.Limits.MaxNumberOfLaunchConfigurations <= 0 {
		opts.Limits.MaxNumberOfLaunchConfigurations = DefaultLimits.MaxNumberOfLaunchConfigurations
	}
	if opts.Limits.MaxInstances <= 0 {
		opts.Limits.MaxInstances = DefaultLimits.MaxInstances
	}
	if opts.DefaultLoad <= 0 {
		opts.DefaultLoad = 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{
		clock:   opts.Clock,
		opts:    opts,
		log:     opts.Logger,
		regions: map[string]*regionState{},
		simTime: opts.Clock.Now().UTC(),
		faults:  newFaults(),
		calls:   newCallCounter(),
		dirty:   make(chan struct{}, 1),
	}
	e.denyLCs.Store(opts.DenyLaunchConfigurations)
	e.admin = e.adminHandler()
	if opts.StateFile != "" {
		if err := e.loadState(opts.StateFile); err != nil {
			e.log.Error("ignoring unreadable state file; starting empty", "file", opts.StateFile, "err", err)
		}
	}
	return e
}

// region returns the named region's state, creating it on first use: every region exists and
// starts empty, as in a fresh AWS account. Callers hold e.mu.
func (e *Emulator) region(name string) *regionState {
	rs, ok := e.regions[name]
	if !ok {
		rs = &regionState{name: name, cw: newCloudWatchState(), as: newAutoScalingState(), ec2: newEC2State()}
		e.regions[name] = rs
	}
	return rs
}

// credentialRegion finds the region in a SigV4 credential scope: AKID/date/region/service/aws4_request.
// Only names shaped like AWS regions (us-east-1, us-gov-west-1, cn-north-1) count: clients that
// guess the region from an endpoint's host name sign an IP address's "0" or "1" for it.
var credentialRegion = regexp.MustCompile(`Credential=[^/,\s]*/\d{8}/([a-z]{2}(?:-[a-z]+)+-\d{1,2})/`)

// requestRegion is the region a request is signed for, from the Authorization header or a
// presigned URL's X-Amz-Credential, else the default region (SigV2 and unsigned requests).
func (e *Emulator) requestRegion(r *http.Request) string {
	if m := credentialRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		if m := credentialRegion.FindStringSubmatch("Credential=" + cred); m != nil {
			return m[1]
		}
	}
	return e.opts.DefaultRegion
}

// maxQueryBody bounds a form body; PutMetricData's largest legal request is about 1 MB.
const maxQueryBody = 8 << 20

// ServeHTTP routes by protocol, never by Host: Smithy RPCv2 CBOR by path, AWS JSON 1.0 by
// X-Amz-Target, the form-encoded protocols (awsQuery for Auto Scaling and CloudWatch, ec2Query
// for EC2) by the Version parameter. Admin endpoints live under /_emulator/.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		e.admin.ServeHTTP(w, r)
		return
	}
	regionName := e.requestRegion(r)

	switch {
	case strings.HasPrefix(r.URL.Path, cborPathPrefix):
		op := strings.TrimPrefix(r.URL.Path, cborPathPrefix)
		e.serveAction(w, wire.CBOR, "", op, func(w http.ResponseWriter, rs *regionState) {
			e.serveCloudWatchCBOR(w, r, rs, op)
		}, regionName)
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), cloudWatchService+"."):
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), cloudWatchService+".")
		e.serveAction(w, wire.JSON, "", op, func(w http.ResponseWriter, rs *regionState) {
			e.serveCloudWatchJSON(w, r, rs, op)
		}, regionName)
	default:
		r.Body = http.MaxBytesReader(w, r.Body, maxQueryBody)
		if err := r.ParseForm(); err != nil {
			wire.WriteQueryError(w, "", validationError("Could not read the request as an AWS Query form: %v.", err))
			return
		}
		form := r.Form
		action := form.Get("Action")
		switch version := form.Get("Version"); version {
		case autoScalingVersion:
			e.serveAction(w, wire.Query, autoScalingXMLNS, action, func(w http.ResponseWriter, rs *regionState) {
				e.serveAutoScaling(w, rs, action, form)
			}, regionName)
		case cloudWatchVersion:
			e.serveAction(w, wire.Query, cloudWatchXMLNS, action, func(w http.ResponseWriter, rs *regionState) {
				e.serveCloudWatchQuery(w, r, rs, action, form)
			}, regionName)
		case ec2Version:
			e.serveAction(w, wire.EC2, "", action, func(w http.ResponseWriter, rs *regionState) {
				e.serveEC2(w, rs, action, form)
			}, regionName)
		default:
			wire.WriteQueryError(w, "", senderError("InvalidParameterValue",
				"Unsupported Version %q: send Version=%s (Auto Scaling), Version=%s (CloudWatch) or Version=%s (EC2) with the Action, or use CloudWatch's JSON or CBOR protocol.",
				version, autoScalingVersion, cloudWatchVersion, ec2Version))
		}
	}
}

// serveAction is the part of routing every protocol shares: count the call, apply injected faults,
// bring the simulation up to now, then run the handler. Handlers, the CloudWatch ones included,
// run with e.mu held and must not lock it.
func (e *Emulator) serveAction(w http.ResponseWriter, p wire.Protocol, xmlns, action string,
	handle func(http.ResponseWriter, *regionState), regionName string) {
	action = callName(action)
	e.calls.add(action)
	if fault := e.faults.decide(action); fault != nil {
		if fault.delay > 0 {
			time.Sleep(fault.delay) // simulated network latency, outside the lock
		}
		if err := fault.err; err != nil {
			if p == wire.EC2 {
				err = ec2Fault(err)
			}
			e.calls.addError(action, err.Code)
			writeProtocolError(w, p, xmlns, err)
			e.runOnCall(Call{Region: regionName, Service: service(p, xmlns), Action: action, Code: err.Code})
			return
		}
	}

	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	e.mu.Lock()
	e.advanceTo(e.clock.Now())
	handle(rec, e.region(regionName))
	e.mu.Unlock()

	if rec.status >= 400 {
		code := rec.errorCode
		if code == "" {
			code = rec.Header().Get("X-Amzn-ErrorType")
		}
		if code == "" {
			code = http.StatusText(rec.status)
		}
		// JSON's X-Amzn-ErrorType may carry "Code:http://docs..." — keep the code.
		code, _, _ = strings.Cut(code, ":")
		e.calls.addError(action, code)
		e.runOnCall(Call{Region: regionName, Service: service(p, xmlns), Action: action, Code: code})
	} else {
		e.runOnCall(Call{Region: regionName, Service: service(p, xmlns), Action: action})
	}
	e.markDirty()
}

// Call is one API call the emulator answered, as an OnCall hook sees it.
type Call struct {
	// Region the call was signed for, and its action (CreateAutoScalingGroup, PutMetricAlarm, ...).
	Region, Action string
	// Service is the API's IAM prefix: "autoscaling", "cloudwatch" or "ec2". It tells apart the
	// actions two services share a name for (DescribeTags, DeleteTags), which Calls and Faults
	// key by name alone.
	Service string
	// Code is the error code the call failed with (an injected fault's included); "" on success.
	Code string
}

// OnCall installs hook to run after every API call: once the call's change to the state is made
// and its response written, but before the response leaves (net/http sends a response this small
// only when the handler returns). A test can thus crash a client in the one window a real client
// cannot control: after AWS did something and before the client learns that it did. The hook runs
// on the request's goroutine without the emulator's lock, so it may call the emulator; the request
// waits for it. nil removes the hook.
func (e *Emulator) OnCall(hook func(Call)) {
	if hook == nil {
		e.onCall.Store(nil)
		return
	}
	e.onCall.Store(&hook)
}

func (e *Emulator) runOnCall(c Call) {
	if hook := e.onCall.Load(); hook != nil {
		(*hook)(c)
	}
}

// actionName is what an action name looks like; anything else is counted under one name, so a
// client sending junk cannot grow the counters without bound.
var actionName = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

// callName is the name calls and faults are keyed by.
func callName(action string) string {
	switch {
	case action == "":
		return "(no action)"
	case !actionName.MatchString(action):
		return "(invalid action)"
	}
	return action
}

// service is the IAM prefix of the API a request spoke.
func service(p wire.Protocol, xmlns string) string {
	switch {
	case p == wire.EC2:
		return "ec2"
	case p == wire.Query && xmlns == autoScalingXMLNS:
		return "autoscaling"
	}
	return "cloudwatch"
}

// writeProtocolError writes err the way the request's protocol expects errors.
func writeProtocolError(w http.ResponseWriter, p wire.Protocol, xmlns string, err *APIError) {
	switch p {
	case wire.Query:
		wire.WriteQueryError(w, xmlns, err)
	case wire.EC2:
		wire.WriteEC2Error(w, err)
	default:
		writeCloudWatchError(w, p, err)
	}
}

// statusRecorder remembers the status and the error code the wire writers report, so call
// counters can count errors by code whichever handler wrote them.
type statusRecorder struct {
	http.ResponseWriter
	status    int
	errorCode string
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) RecordErrorCode(code string) { s.errorCode = code }
