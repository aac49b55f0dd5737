package cloud

import (
	"context"
	"errors"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Metrics are the operator's AWS call metrics. Every attempt counts, retries included, because
// that is what AWS's throttling counts.
type Metrics struct {
	// Calls counts attempts by service, action and code ("OK" on success, the AWS error code or
	// "NetworkError" otherwise): autoscale_operator_aws_calls_total.
	Calls *prometheus.CounterVec
	// Throttles counts attempts AWS throttled: autoscale_operator_aws_throttles_total.
	Throttles *prometheus.CounterVec
	// Duration observes each attempt's latency, rate-limit wait excluded:
	// autoscale_operator_aws_call_duration_seconds.
	Duration *prometheus.HistogramVec
	// RateLimitWait sums the time calls waited for the client-side rate limiter:
	// autoscale_operator_aws_rate_limit_wait_seconds_total.
	RateLimitWait *prometheus.CounterVec
}

// Metric names.
const (
	MetricCalls         = "autoscale_operator_aws_calls_total"
	MetricThrottles     = "autoscale_operator_aws_throttles_total"
	MetricCallDuration  = "autoscale_operator_aws_call_duration_seconds"
	MetricRateLimitWait = "autoscale_operator_aws_rate_limit_wait_seconds_total"
)

// Service label values.
const (
	serviceAutoScaling = "autoscaling"
	serviceCloudWatch  = "cloudwatch"
)

// NewMetrics creates the metrics and registers them with reg (nil: not registered). Registering
// twice with one registry reuses the collectors already there, so several Providers can share it.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricCalls,
			Help: "AWS API call attempts by service, action and result code (OK on success).",
		}, []string{"service", "action", "code"}),
		Throttles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricThrottles,
			Help: "AWS API call attempts rejected by AWS throttling, by service and action.",
		}, []string{"service", "action"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricCallDuration,
			Help:    "Latency of AWS API call attempts, by service and action.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"service", "action"}),
		RateLimitWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRateLimitWait,
			Help: "Seconds AWS API calls waited for the operator's client-side rate limit, by service.",
		}, []string{"service"}),
	}
	if reg != nil {
		m.Calls = register(reg, m.Calls)
		m.Throttles = register(reg, m.Throttles)
		m.Duration = register(reg, m.Duration)
		m.RateLimitWait = register(reg, m.RateLimitWait)
	}
	// Series exist from the start, so dashboards and rate() see the first wait.
	for _, s := range []string{serviceAutoScaling, serviceCloudWatch} {
		m.RateLimitWait.WithLabelValues(s)
	}
	return m
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// callMiddleware runs once per attempt, after the retryer and before signing: it waits for the
// region's rate limiter, then counts, times and logs the attempt.
type callMiddleware struct {
	service string
	limiter *rate.Limiter
	metrics *Metrics
}

func (m *callMiddleware) ID() string { return "AutoscaleOperatorCall" }

func (m *callMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error) {
	action := awsmiddleware.GetOperationName(ctx)
	if m.limiter != nil {
		waitStart := time.Now()
		if err := m.limiter.Wait(ctx); err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
		if w := time.Since(waitStart); w > time.Millisecond {
			m.metrics.RateLimitWait.WithLabelValues(m.service).Add(w.Seconds())
		}
	}
	start := time.Now()
	out, md, err := next.HandleFinalize(ctx, in)
	elapsed := time.Since(start)

	code := "OK"
	if err != nil {
		code = attemptErrorCode(err)
	}
	m.metrics.Calls.WithLabelValues(m.service, action, code).Inc()
	m.metrics.Duration.WithLabelValues(m.service, action).Observe(elapsed.Seconds())
	if _, throttled := retry.DefaultThrottleErrorCodes[code]; throttled {
		m.metrics.Throttles.WithLabelValues(m.service, action).Inc()
	}
	log.FromContext(ctx).V(1).Info("AWS call", "service", m.service, "action", action,
		"region", awsmiddleware.GetRegion(ctx), "code", code, "duration", elapsed.Round(time.Microsecond).String())
	return out, md, err
}

func attemptErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() != "" {
		return apiErr.ErrorCode()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "Canceled"
	}
	return "NetworkError"
}

// addCallMiddleware is an APIOptions entry installing m right after the retry middleware.
func addCallMiddleware(m *callMiddleware) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		if _, ok := stack.Finalize.Get("Retry"); ok {
			return stack.Finalize.Insert(m, "Retry", middleware.After)
		}
		return stack.Finalize.Add(m, middleware.Before)
	}
}
