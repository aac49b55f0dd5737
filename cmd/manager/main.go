// Command manager runs the autoscale-operator: the LaunchConfiguration, AutoScalingGroup and
// Trigger controllers, against the cluster of the current kubeconfig (--kubeconfig, KUBECONFIG, or
// in-cluster) and AWS (the standard credential chain; --aws-endpoint or AWS_ENDPOINT_URL for
// another endpoint), or against an in-process emulator with --embedded-emulator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/controllers"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
)

// Leader election needs Leases only in the manager's own namespace: that grant is the namespaced
// Role in config/rbac/leader_election_role.yaml, not a marker here, which would make it cluster-wide.

// stringList is a repeatable flag that also accepts comma-separated values.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

type flags struct {
	awsRegion               string
	awsEndpoint             string
	activityPollInterval    time.Duration
	syncPeriod              time.Duration
	clusterID               string
	watchNamespaces         stringList
	maxConcurrentReconciles int
	leaderElect             bool
	leaderElectionNamespace string
	metricsAddr             string
	probeAddr               string
	embeddedEmulator        bool
	emulatorAddr            string
	emulatorTimeScale       float64
	emulatorLaunchDelay     time.Duration
}

func parseFlags(fs *flag.FlagSet, args []string) (*flags, *zap.Options, error) {
	f := &flags{}
	fs.StringVar(&f.awsRegion, "aws-region", "", "AWS region of objects without spec.region. Default: the standard AWS configuration (AWS_REGION, the shared config profile); the manager refuses to start without a region (us-east-1 with --embedded-emulator).")
	fs.StringVar(&f.awsEndpoint, "aws-endpoint", "", "Endpoint URL for Auto Scaling and CloudWatch instead of AWS's (for example an emulator). AWS_ENDPOINT_URL and the service-specific variables work too.")
	fs.DurationVar(&f.activityPollInterval, "aws-activity-poll-interval", cloud.DefaultActivityPollInterval, "How often each region's scaling activities are polled account-wide (one call for the whole fleet) while groups are managed there: a new activity reaches its group's status and Events within about this long. Keep it below --sync-period.")
	fs.DurationVar(&f.syncPeriod, "sync-period", controllers.DefaultSyncPeriod, "How often every object is compared with AWS when nothing else happens (each requeue jittered by ±10%).")
	fs.StringVar(&f.clusterID, "cluster-id", controllers.DefaultClusterID, "Identifies this cluster in the owner tag autoscale-operator.io/owner=<cluster-id>/<namespace>/<name>. Give every cluster that shares an AWS account its own.")
	fs.Var(&f.watchNamespaces, "watch-namespace", "Namespace to watch (repeatable or comma-separated). Default: all namespaces.")
	// Workers mostly wait on AWS (and the client-side rate limit), and the describes of workers
	// waiting together are batched into one call; with only a handful of workers the batches stay
	// small and describes eat the rate limit a fleet needs for its creates (make bench shows it).
	fs.IntVar(&f.maxConcurrentReconciles, "max-concurrent-reconciles", 16, "Objects of each kind reconciled in parallel.")
	fs.BoolVar(&f.leaderElect, "leader-elect", true, "Elect a leader with a Lease so only one replica reconciles.")
	fs.StringVar(&f.leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader-election Lease. Default: the pod's namespace in a cluster, \"default\" outside one.")
	fs.StringVar(&f.metricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; \"0\" turns it off.")
	fs.StringVar(&f.probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	fs.BoolVar(&f.embeddedEmulator, "embedded-emulator", false, "Run the AWS emulator in-process and point the AWS clients at it with dummy credentials (for demos and tests; nothing reaches AWS).")
	fs.StringVar(&f.emulatorAddr, "emulator-addr", "127.0.0.1:0", "Listen address of the embedded emulator; set a port to use it from the aws CLI as well.")
	fs.Float64Var(&f.emulatorTimeScale, "emulator-time-scale", 1, "How much faster than real time the embedded emulator's clock runs.")
	fs.DurationVar(&f.emulatorLaunchDelay, "emulator-launch-delay", 0, "How long an instance of the embedded emulator stays Pending before it is InService (emulator time).")
	zapOpts := &zap.Options{}
	zapOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if f.syncPeriod <= 0 {
		return nil, nil, fmt.Errorf("--sync-period must be positive")
	}
	if f.maxConcurrentReconciles <= 0 {
		return nil, nil, fmt.Errorf("--max-concurrent-reconciles must be positive")
	}
	if f.activityPollInterval <= 0 {
		return nil, nil, fmt.Errorf("--aws-activity-poll-interval must be positive")
	}
	if f.emulatorTimeScale <= 0 {
		return nil, nil, fmt.Errorf("--emulator-time-scale must be positive")
	}
	if strings.Contains(f.clusterID, "/") || f.clusterID == "" {
		return nil, nil, fmt.Errorf("--cluster-id must be non-empty and contain no '/'")
	}
	return f, zapOpts, nil
}

func main() {
	f, zapOpts, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(zapOpts)))
	if err := run(ctrl.SetupSignalHandler(), ctrl.GetConfigOrDie(), f, ctrl.Log.WithName("setup")); err != nil {
		ctrl.Log.WithName("setup").Error(err, "manager stopped")
		os.Exit(1)
	}
}

// run starts the manager on the cluster of cfg and blocks until ctx ends.
func run(ctx context.Context, cfg *rest.Config, f *flags, log logr.Logger) error {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(ec2v1alpha1.AddToScheme(scheme))

	cloudOpts := cloud.ProviderOptions{
		Region:               f.awsRegion,
		Endpoint:             f.awsEndpoint,
		ActivityPollInterval: f.activityPollInterval,
		Registerer:           metrics.Registry,
	}
	if f.embeddedEmulator {
		endpoint, err := startEmulator(ctx, f, log)
		if err != nil {
			return err
		}
		cloudOpts.Endpoint = endpoint
		cloudOpts.Credentials = credentials.NewStaticCredentialsProvider("emulator", "emulator", "")
		if cloudOpts.Region == "" {
			cloudOpts.Region = "us-east-1"
		}
	}
	provider, err := cloud.NewProvider(ctx, cloudOpts)
	if err != nil {
		return fmt.Errorf("configuring AWS: %w", err)
	}

	cacheOpts := cache.Options{}
	if len(f.watchNamespaces) > 0 {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range f.watchNamespaces {
			cacheOpts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	leNamespace := f.leaderElectionNamespace
	if f.leaderElect && leNamespace == "" && !inCluster() {
		leNamespace = "default"
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   cacheOpts,
		Metrics:                 metricsserver.Options{BindAddress: f.metricsAddr},
		HealthProbeBindAddress:  f.probeAddr,
		LeaderElection:          f.leaderElect,
		LeaderElectionID:        "autoscale-operator.autoscale-operator.io",
		LeaderElectionNamespace: leNamespace,
		// The manager exits right after it loses the lease, so stepping down can be quick.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	m, err := controllers.NewMetrics(metrics.Registry)
	if err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	if err := controllers.Setup(ctx, mgr, controllers.Options{
		Cloud:                   provider,
		DefaultRegion:           provider.DefaultRegion(),
		ClusterID:               f.clusterID,
		SyncPeriod:              f.syncPeriod,
		MaxConcurrentReconciles: f.maxConcurrentReconciles,
		Metrics:                 m,
	}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	log.Info("starting manager", "region", provider.DefaultRegion(), "clusterID", f.clusterID,
		"syncPeriod", f.syncPeriod, "namespaces", f.watchNamespaces.String(), "embeddedEmulator", f.embeddedEmulator)
	return mgr.Start(ctx)
}

// startEmulator serves pkg/emulator on f.emulatorAddr (loopback by default) until ctx ends and
// returns its URL.
func startEmulator(ctx context.Context, f *flags, log logr.Logger) (string, error) {
	var clock emulator.Clock
	if f.emulatorTimeScale != 1 {
		clock = emulator.NewScaledClock(time.Now(), f.emulatorTimeScale)
	}
	emu := emulator.New(emulator.Options{
		Clock:       clock,
		LaunchDelay: f.emulatorLaunchDelay,
		Logger:      slog.New(logr.ToSlogHandler(log.WithName("emulator"))),
	})
	ln, err := net.Listen("tcp", f.emulatorAddr)
	if err != nil {
		return "", fmt.Errorf("embedded emulator: %w", err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(err, "embedded emulator stopped")
		}
	}()
	go func() { _ = emu.Run(ctx) }()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	endpoint := "http://" + ln.Addr().String()
	log.Info("embedded emulator listening", "endpoint", endpoint)
	return endpoint, nil
}

// inCluster says whether the manager runs in a pod (it has a service account namespace).
func inCluster() bool {
	_, err := os.Stat("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
	return err == nil
}
