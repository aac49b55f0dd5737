package cloud

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Defaults for ProviderOptions.
const (
	// DefaultRateLimit is the client-side limit, in calls per second, per service and region:
	// below the rates at which Auto Scaling and CloudWatch start throttling an account, leaving
	// room for other tools in the same account.
	DefaultRateLimit = 20
	// DefaultBurst lets a short burst through at once.
	DefaultBurst = 40
	// DefaultMaxAttempts: the standard retryer's three, plus two, because an operator can afford
	// to wait where an interactive tool cannot.
	DefaultMaxAttempts = 5
	// DefaultCacheTTL is how long launch configurations and scaling policies are served from the
	// inventory (their describe methods take no maxAge). Both change only through us, are updated
	// on every write we make, and AlreadyExists invalidates them, so a long TTL only delays the
	// detection of changes made behind the operator's back.
	DefaultCacheTTL = 5 * time.Minute
	// DefaultActivityPollInterval bounds how often the account-wide activity poll runs. Polls
	// happen only when some group's activities are asked for, so an idle fleet costs nothing;
	// a busy one at most one poll (plus pages) per interval, whatever its size.
	DefaultActivityPollInterval = 5 * time.Second
)

// ProviderOptions configure NewProvider. The zero value uses the standard AWS configuration chain
// and the defaults above.
type ProviderOptions struct {
	// Region is the default region (--aws-region); empty takes the standard chain's (AWS_REGION,
	// the profile's region). NewProvider fails when neither gives one.
	Region string
	// Endpoint overrides the endpoint of both services (--aws-endpoint), for example the
	// emulator's URL. It wins over AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_AUTO_SCALING and
	// AWS_ENDPOINT_URL_CLOUDWATCH, which the SDK honours when Endpoint is empty.
	Endpoint string
	// RateLimit is the client-side limit in calls (attempts) per second, per service and region;
	// 0 means DefaultRateLimit, a negative value turns the limit off.
	RateLimit float64
	// Burst is the rate limiter's bucket size; 0 means DefaultBurst.
	Burst int
	// MaxAttempts of each call, the first included; 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Registerer receives the AWS call metrics (the manager passes controller-runtime's
	// metrics.Registry); nil registers nothing.
	Registerer prometheus.Registerer
	// HTTPClient replaces the SDK's HTTP client.
	HTTPClient aws.HTTPClient
	// Credentials replace the standard chain's (the embedded emulator and tests use static ones).
	Credentials aws.CredentialsProvider
	// CacheTTL: see DefaultCacheTTL. 0 means the default.
	CacheTTL time.Duration
	// ActivityPollInterval: see DefaultActivityPollInterval. 0 means the default.
	ActivityPollInterval time.Duration
	// Clock replaces time.Now for cache ages (tests).
	Clock func() time.Time
	// ConfigOptions are passed to config.LoadDefaultConfig after the ones derived from the fields
	// above (for example config.WithSharedConfigProfile).
	ConfigOptions []func(*config.LoadOptions) error
}

// Provider hands out one Service per region, each with its own clients, rate limiters and
// inventory, all sharing one AWS configuration and one set of metrics. Safe for concurrent use.
type Provider struct {
	cfg     aws.Config
	opts    ProviderOptions
	metrics *Metrics

	mu       sync.Mutex
	services map[string]*service
}

// NewProvider loads the AWS configuration from the standard chain: environment, shared config and
// credentials files (AWS_PROFILE), web identity (IRSA), EKS Pod Identity, ECS and instance roles.
func NewProvider(ctx context.Context, opts ProviderOptions) (*Provider, error) {
	if opts.RateLimit == 0 {
		opts.RateLimit = DefaultRateLimit
	}
	if opts.Burst <= 0 {
		opts.Burst = DefaultBurst
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.ActivityPollInterval <= 0 {
		opts.ActivityPollInterval = DefaultActivityPollInterval
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	loadOpts := []func(*config.LoadOptions) error{config.WithAppID("autoscale-operator")}
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	if opts.HTTPClient != nil {
		loadOpts = append(loadOpts, config.WithHTTPClient(opts.HTTPClient))
	}
	if opts.Credentials != nil {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(opts.Credentials))
	}
	loadOpts = append(loadOpts, opts.ConfigOptions...)
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set --aws-region, AWS_REGION or a region in the AWS profile")
	}
	return &Provider{cfg: cfg, opts: opts, metrics: NewMetrics(opts.Registerer), services: map[string]*service{}}, nil
}

// DefaultRegion is the region Service("") serves.
func (p *Provider) DefaultRegion() string { return p.cfg.Region }

// Metrics returns the provider's AWS call metrics.
func (p *Provider) Metrics() *Metrics { return p.metrics }

// Service returns the Service of region ("" for the default region), creating it on first use.
func (p *Provider) Service(region string) Service {
	if region == "" {
		region = p.cfg.Region
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.services[region]; ok {
		return s
	}
	as := autoscaling.NewFromConfig(p.cfg, func(o *autoscaling.Options) {
		o.Region = region
		p.clientOptions(serviceAutoScaling, &o.BaseEndpoint, &o.Retryer, &o.APIOptions)
	})
	cw := cloudwatch.NewFromConfig(p.cfg, func(o *cloudwatch.Options) {
		o.Region = region
		p.clientOptions(serviceCloudWatch, &o.BaseEndpoint, &o.Retryer, &o.APIOptions)
	})
	s := newService(region, as, cw, serviceOptions{
		cacheTTL:             p.opts.CacheTTL,
		activityPollInterval: p.opts.ActivityPollInterval,
		now:                  p.opts.Clock,
	})
	p.services[region] = s
	return s
}

// clientOptions applies what both clients share: the explicit endpoint (set here, after the SDK
// resolved AWS_ENDPOINT_URL*, so it wins), the standard retryer, and the per-attempt rate limit,
// metrics and logging. Each client gets its own limiter: AWS throttles each service separately.
func (p *Provider) clientOptions(svc string, baseEndpoint **string, retryer *aws.Retryer, apiOptions *[]func(*middleware.Stack) error) {
	if p.opts.Endpoint != "" {
		*baseEndpoint = aws.String(p.opts.Endpoint)
	}
	*retryer = newRetryer(p.opts.MaxAttempts)
	var limiter *rate.Limiter
	if p.opts.RateLimit > 0 && !math.IsInf(p.opts.RateLimit, 1) {
		limiter = rate.NewLimiter(rate.Limit(p.opts.RateLimit), p.opts.Burst)
	}
	*apiOptions = append(*apiOptions, addCallMiddleware(&callMiddleware{service: svc, limiter: limiter, metrics: p.metrics}))
}

// newRetryer is the SDK's standard retryer (not the adaptive one, whose client-side throttling
// suits a single-tenant client rather than an operator serving many objects), with Auto
// Scaling's ResourceContention retryable like throttling and 5xx already are.
func newRetryer(maxAttempts int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{
			Codes: map[string]struct{}{"ResourceContention": {}},
		})
	})
}
