// Package harness runs the operator the way a user does, for benchmarks and soak tests: a real
// control plane (envtest's kube-apiserver and etcd, with our CRDs), the AWS emulator in-process on
// a loopback listener, and bin/manager as a subprocess pointed at both. The test keeps a direct,
// uncached client, the emulator itself (call counters, faults, snapshots) and the manager's
// process (PID for memory, metrics URL, SIGTERM/SIGKILL/restart).
//
//	env, err := harness.Start(ctx, harness.Options{SyncPeriod: 10 * time.Second})
//	defer env.Close()
//	sets, _ := env.CreateSets(ctx, "default", "bench", 100)
//	took, _ := env.WaitReady(ctx, "default", sets, time.Second)
//
// Everything listens on 127.0.0.1 only. Close stops the manager, the emulator and the control plane
// and removes the temporary directory; nothing is left running.
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
)

// K8sVersion is the control-plane version hack/build-control-plane.sh builds into bin/k8s.
const K8sVersion = "1.37.2"

// Region is the AWS region the manager is given (--aws-region) and the emulator defaults to.
const Region = "us-east-1"

// FleetLimits are emulator quotas high enough for benchmarks with thousands of groups (AWS's
// defaults, 500 groups and 200 launch configurations, would stop a fleet test early).
var FleetLimits = emulator.Limits{
	MaxNumberOfAutoScalingGroups:    1_000_000,
	MaxNumberOfLaunchConfigurations: 1_000_000,
	MaxInstances:                    1_000_000,
}

// Options configure Start. The zero value works from anywhere inside the repository once
// `make envtest` has built the control plane.
type Options struct {
	// Root is the repository root; default: the nearest directory above the working directory
	// with a go.mod.
	Root string
	// Assets is the directory holding kube-apiserver, etcd and kubectl; default: KUBEBUILDER_ASSETS,
	// else <Root>/bin/k8s/<K8sVersion>-linux-amd64.
	Assets string
	// ManagerBinary is a manager built beforehand; default: BuildManager into Dir.
	ManagerBinary string

	// SyncPeriod is the manager's --sync-period; default 10 s.
	SyncPeriod time.Duration
	// MaxConcurrentReconciles is the manager's --max-concurrent-reconciles; 0 keeps its default.
	MaxConcurrentReconciles int
	// ManagerArgs are appended to the manager's command line (for example "--zap-log-level=error").
	ManagerArgs []string
	// ManagerEnv is appended to the manager's environment (for example "GOGC=50").
	ManagerEnv []string
	// ManagerLog receives the manager's stdout and stderr; default: <Dir>/manager.log.
	ManagerLog io.Writer
	// NoManager leaves the manager stopped: call Env.Manager.Start when ready.
	NoManager bool

	// Emulator configures the in-process emulator. Limits default to FleetLimits and
	// DefaultRegion to Region; Clock, LaunchDelay and the rest pass through.
	Emulator emulator.Options
	// EmbeddedEmulator runs the manager with its own emulator (--embedded-emulator), as `make
	// demo` shows the operator, instead of one in this process: Env.Emulator is then nil,
	// EmulatorURL is the manager's emulator (its admin API included), the emulator's flags go in
	// ManagerArgs, and its state does not survive a manager restart.
	EmbeddedEmulator bool
}

// Env is a running control plane, emulator and manager.
type Env struct {
	// Dir is a temporary directory for the kubeconfig and logs; Close removes it.
	Dir string
	// Kubeconfig is the path of a kubeconfig for a system:masters user of the control plane.
	Kubeconfig string
	// Config is the REST config of that user, with client-side rate limiting off.
	Config *rest.Config
	// Client reads and writes the API server directly (no cache), so what it sees is the truth.
	Client client.Client
	// Scheme knows the core kinds and ec2.autoscale-operator.io/v1alpha1.
	Scheme *runtime.Scheme
	// Emulator is the AWS emulator the manager talks to (nil with Options.EmbeddedEmulator);
	// EmulatorURL its endpoint.
	Emulator    *emulator.Emulator
	EmulatorURL string
	// Manager is the manager subprocess.
	Manager *Manager

	testEnv *envtest.Environment
	emuStop func()
}

// Start brings up the control plane, the emulator and (unless opts.NoManager) the manager, and
// waits until the manager's health probe answers. On error everything started is torn down.
func Start(ctx context.Context, opts Options) (env *Env, err error) {
	if opts.Root == "" {
		if opts.Root, err = RepoRoot(); err != nil {
			return nil, err
		}
	}
	if opts.Assets == "" {
		opts.Assets = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if opts.Assets == "" {
		opts.Assets = filepath.Join(opts.Root, "bin", "k8s", K8sVersion+"-linux-amd64")
	}
	if _, statErr := os.Stat(filepath.Join(opts.Assets, "kube-apiserver")); statErr != nil {
		return nil, fmt.Errorf("no kube-apiserver in %s: run `make envtest` first (or set KUBEBUILDER_ASSETS)", opts.Assets)
	}
	if opts.SyncPeriod <= 0 {
		opts.SyncPeriod = 10 * time.Second
	}

	env = &Env{}
	defer func() {
		if err != nil {
			_ = env.Close()
			env = nil
		}
	}()
	if env.Dir, err = os.MkdirTemp("", "autoscale-harness-"); err != nil {
		return env, err
	}
	if opts.ManagerBinary == "" {
		// Into Dir rather than bin/: parallel test binaries must not overwrite one another's (or
		// a running) manager.
		if opts.ManagerBinary, err = BuildManager(opts.Root, env.Dir); err != nil {
			return env, err
		}
	}
	if err = env.startControlPlane(opts); err != nil {
		return env, err
	}
	embeddedAddr := ""
	if opts.EmbeddedEmulator {
		if embeddedAddr, err = FreeAddr(); err != nil {
			return env, err
		}
		env.EmulatorURL = "http://" + embeddedAddr
	} else if err = env.startEmulator(opts.Emulator); err != nil {
		return env, err
	}

	env.Manager, err = newManager(managerConfig{
		binary:       opts.ManagerBinary,
		kubeconfig:   env.Kubeconfig,
		endpoint:     env.EmulatorURL,
		embeddedAddr: embeddedAddr,
		syncPeriod:   opts.SyncPeriod,
		concurrency:  opts.MaxConcurrentReconciles,
		extraArgs:    opts.ManagerArgs,
		extraEnv:     opts.ManagerEnv,
		log:          opts.ManagerLog,
		logPath:      filepath.Join(env.Dir, "manager.log"),
	})
	if err != nil {
		return env, err
	}
	if !opts.NoManager {
		if err = env.Manager.Start(ctx); err != nil {
			return env, err
		}
	}
	return env, nil
}

func (e *Env) startControlPlane(opts Options) error {
	e.testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(opts.Root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: opts.Assets,
	}
	if _, err := e.testEnv.Start(); err != nil {
		e.testEnv = nil
		return fmt.Errorf("starting the control plane: %w", err)
	}
	user, err := e.testEnv.AddUser(envtest.User{Name: "harness-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("adding the admin user: %w", err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return err
	}
	e.Kubeconfig = filepath.Join(e.Dir, "kubeconfig")
	if err := os.WriteFile(e.Kubeconfig, kc, 0o600); err != nil {
		return err
	}
	e.Config = rest.CopyConfig(user.Config())
	// The API server has priority and fairness; a client-side limit would only measure itself.
	e.Config.QPS, e.Config.Burst = -1, 0
	e.Scheme = runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(e.Scheme))
	utilruntime.Must(ec2v1alpha1.AddToScheme(e.Scheme))
	e.Client, err = client.New(e.Config, client.Options{Scheme: e.Scheme})
	return err
}

func (e *Env) startEmulator(opts emulator.Options) error {
	if opts.Limits == (emulator.Limits{}) {
		opts.Limits = FleetLimits
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = Region
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e.Emulator = emulator.New(opts)
	url, stop, err := Serve(e.Emulator)
	if err != nil {
		return err
	}
	e.EmulatorURL = url
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Emulator.Run(ctx) }()
	e.emuStop = func() {
		stop()
		cancel()
		<-done
	}
	return nil
}

// Serve serves h on a fresh loopback port and returns its URL and a function that closes the
// listener and every connection.
func Serve(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "harness: server stopped:", err)
		}
	}()
	return "http://" + ln.Addr().String(), func() {
		_ = srv.Close()
		<-done
	}, nil
}

// Close stops the manager (SIGTERM, then SIGKILL after a grace period), the emulator and the
// control plane, and removes Dir. It is safe on a partly started Env and returns the first error.
func (e *Env) Close() error {
	var errs []error
	if e.Manager != nil {
		if err := e.Manager.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping the manager: %w", err))
		}
	}
	if e.emuStop != nil {
		e.emuStop()
		e.emuStop = nil
	}
	if e.testEnv != nil {
		if err := e.testEnv.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping the control plane: %w", err))
		}
		e.testEnv = nil
	}
	if e.Dir != "" {
		if err := os.RemoveAll(e.Dir); err != nil {
			errs = append(errs, err)
		}
		e.Dir = ""
	}
	return errors.Join(errs...)
}

// RepoRoot is the nearest directory at or above the working directory that holds a go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: set Options.Root")
		}
		dir = parent
	}
}

// FreeAddr returns a loopback address with a port nobody listens on right now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}
