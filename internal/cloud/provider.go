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
	"sigs.k8s.io/controller-runtime/pkg/log"
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

// withDefaults fills the zero fields with the defaults above: the one place they are applied.
func (o ProviderOptions) withDefaults() ProviderOptions {
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.ActivityPollInterval <= 0 {
		o.ActivityPollInterval = DefaultActivityPollInterval
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// serviceOptions are what the services of a location take from ProviderOptions.
type serviceOptions struct {
	cacheTTL             time.Duration
	activityPollInterval time.Duration
	now                  func() time.Time
}

// regional is what every service of a region shares: the region, which its logs carry.
type regional struct{ region string }

func (r regional) logger(ctx context.Context) context.Context {
	return log.IntoContext(ctx, log.FromContext(ctx).WithValues("region", r.region))
}

// Location is where AWS resources live: a region of the operator's account. The Provider keys
// its services by it, so an account (an assumed role) can join the region here without changing
// how controllers ask for services.
type Location struct {
	// Region; empty means the Provider's default region.
	Region string
}

// Provider hands out the Services of each location, each with its own clients, rate limiters
// and inventories, all sharing one AWS configuration and one set of metrics. Safe for concurrent use.
//
// Started (Start, as a manager Runnable, so only the leader polls), it also runs each location's
// activity feed in the background and collects the groups with news for WaitActivityNews.
type Provider struct {
	cfg     aws.Config
	opts    ProviderOptions
	metrics *Metrics
	news    newsBox

	mu       sync.Mutex
	services map[Location]Services
	runCtx   context.Context // set by Start; nil before
}

// GroupRef names an Auto Scaling group in AWS.
type GroupRef struct {
	Location
	Name string
}

// NewProvider loads the AWS configuration from the standard chain: environment, shared config and
// credentials files (AWS_PROFILE), web identity (IRSA), EKS Pod Identity, ECS and instance roles.
func NewProvider(ctx context.Context, opts ProviderOptions) (*Provider, error) {
	opts = opts.withDefaults()
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
	return &Provider{cfg: cfg, opts: opts, metrics: NewMetrics(opts.Registerer), news: newNewsBox(), services: map[Location]Services{}}, nil
}

// Start runs the activity feeds of every location, present and future, until ctx ends.
func (p *Provider) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.runCtx != nil {
		p.mu.Unlock()
		return errors.New("cloud.Provider started twice")
	}
	p.runCtx = ctx
	for _, s := range p.services {
		go s.AutoScaling.(*autoScaling).feed.run(ctx)
	}
	p.mu.Unlock()
	<-ctx.Done()
	return nil
}

// WaitActivityNews blocks until some groups have scaling activities their objects have not seen
// yet (a new activity, or one that changed), and returns them, each once however often it had
// news. It returns only when ctx ends or there is news.
func (p *Provider) WaitActivityNews(ctx context.Context) ([]GroupRef, error) {
	return p.news.wait(ctx)
}

// DefaultRegion is the region of a Location without one.
func (p *Provider) DefaultRegion() string { return p.cfg.Region }

// Metrics returns the provider's AWS call metrics.
func (p *Provider) Metrics() *Metrics { return p.metrics }

// Services returns the services of loc, creating them on first use.
func (p *Provider) Services(loc Location) Services {
	if loc.Region == "" {
		loc.Region = p.cfg.Region
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.services[loc]; ok {
		return s
	}
	o := serviceOptions{cacheTTL: p.opts.CacheTTL, activityPollInterval: p.opts.ActivityPollInterval, now: p.opts.Clock}
	as := autoscaling.NewFromConfig(p.cfg, func(c *autoscaling.Options) {
		c.Region = loc.Region
		p.clientOptions(serviceAutoScaling, &c.BaseEndpoint, &c.Retryer, &c.APIOptions)
	})
	cw := cloudwatch.NewFromConfig(p.cfg, func(c *cloudwatch.Options) {
		c.Region = loc.Region
		p.clientOptions(serviceCloudWatch, &c.BaseEndpoint, &c.Retryer, &c.APIOptions)
	})
	asg := newAutoScaling(loc.Region, as, o)
	asg.feed.notify = func(groups []string) {
		for _, g := range groups {
			p.news.add(GroupRef{Location: loc, Name: g})
		}
	}
	if p.runCtx != nil {
		go asg.feed.run(p.runCtx)
	}
	s := Services{
		AutoScaling: asg,
		CloudWatch:  newCloudWatch(loc.Region, cw, o),
	}
	p.services[loc] = s
	return s
}

// newsBox collects groups with news until someone takes them; adding never blocks, and a group
// waiting to be taken is held once.
type newsBox struct {
	mu      sync.Mutex
	pending map[GroupRef]struct{}
	ready   chan struct{} // holds a token while pending is non-empty
}

func newNewsBox() newsBox {
	return newsBox{pending: map[GroupRef]struct{}{}, ready: make(chan struct{}, 1)}
}

func (b *newsBox) add(g GroupRef) {
	b.mu.Lock()
	b.pending[g] = struct{}{}
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

func (b *newsBox) wait(ctx context.Context) ([]GroupRef, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-b.ready:
		}
		b.mu.Lock()
		out := make([]GroupRef, 0, len(b.pending))
		for g := range b.pending {
			out = append(out, g)
		}
		clear(b.pending)
		b.mu.Unlock()
		if len(out) > 0 {
			return out, nil
		}
	}
}

// clientOptions applies what every service's client shares: the explicit endpoint (set here, after the SDK
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
