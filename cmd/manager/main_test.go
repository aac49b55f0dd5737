package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/controllers"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
	"github.com/autoscale-operator/autoscale-operator/test/fixtures"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(*flags) error
		wantErr bool
	}{
		{name: "defaults", args: nil, check: func(f *flags) error {
			if f.syncPeriod != controllers.DefaultSyncPeriod || f.clusterID != "default" || !f.leaderElect ||
				f.metricsAddr != ":8080" || f.probeAddr != ":8081" || len(f.watchNamespaces) != 0 || f.emulatorAddr != "127.0.0.1:0" ||
				f.activityPollInterval != cloud.DefaultActivityPollInterval {
				return fmt.Errorf("unexpected defaults %+v", f)
			}
			return nil
		}},
		{name: "repeatable and comma-separated namespaces", args: []string{"--watch-namespace=a", "--watch-namespace", "b,c"}, check: func(f *flags) error {
			if got := f.watchNamespaces.String(); got != "a,b,c" {
				return fmt.Errorf("namespaces %q", got)
			}
			return nil
		}},
		{name: "everything", args: []string{"--aws-region=eu-west-1", "--aws-endpoint=http://localhost:4566", "--sync-period=30s",
			"--cluster-id=prod", "--max-concurrent-reconciles=8", "--leader-elect=false", "--embedded-emulator",
			"--emulator-addr=127.0.0.1:4566", "--emulator-time-scale=10", "--emulator-launch-delay=20s", "--zap-log-level=debug",
			"--aws-activity-poll-interval=2s"},
			check: func(f *flags) error {
				if f.awsRegion != "eu-west-1" || f.awsEndpoint != "http://localhost:4566" || f.syncPeriod != 30*time.Second ||
					f.clusterID != "prod" || f.maxConcurrentReconciles != 8 || f.leaderElect || !f.embeddedEmulator ||
					f.emulatorTimeScale != 10 || f.emulatorLaunchDelay != 20*time.Second || f.activityPollInterval != 2*time.Second {
					return fmt.Errorf("unexpected %+v", f)
				}
				return nil
			}},
		{name: "cluster id with a slash", args: []string{"--cluster-id=a/b"}, wantErr: true},
		{name: "zero sync period", args: []string{"--sync-period=0s"}, wantErr: true},
		{name: "zero activity poll interval", args: []string{"--aws-activity-poll-interval=0s"}, wantErr: true},
		{name: "zero concurrency", args: []string{"--max-concurrent-reconciles=0"}, wantErr: true},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("manager", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f, _, err := parseFlags(fs, tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && tt.check != nil {
				if err := tt.check(f); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// TestRunEmbeddedEmulator starts the manager as the binary does, with --embedded-emulator,
// against envtest, and checks the wiring: a group becomes Ready, health and metrics endpoints
// answer, and --watch-namespace confines it.
func TestRunEmbeddedEmulator(t *testing.T) {
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		env.BinaryAssetsDirectory = filepath.Join("..", "..", "bin", "k8s", "1.37.2-linux-amd64")
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	defer func() { _ = env.Stop() }()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = ec2v1alpha1.AddToScheme(scheme)
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, ns := range []string{"watched", "ignored"} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}

	metricsAddr, probeAddr := freeAddr(t), freeAddr(t)
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	f, zapOpts, err := parseFlags(fs, []string{"--embedded-emulator", "--leader-elect=false", "--sync-period=2s",
		"--metrics-bind-address=" + metricsAddr, "--health-probe-bind-address=" + probeAddr,
		"--watch-namespace=watched", "--cluster-id=smoke"})
	if err != nil {
		t.Fatal(err)
	}
	zapOpts.DestWriter = io.Discard
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, cfg, f, zap.New(zap.UseFlagOptions(zapOpts))) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("manager: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("manager did not stop")
		}
	}()

	for _, ns := range []string{"watched", "ignored"} {
		lc := fixtures.LaunchConfiguration(ns, "lc")
		g := fixtures.AutoScalingGroup(ns, "smoke-"+ns, "lc", 1, 1)
		for _, o := range []client.Object{lc, g} {
			if err := k8s.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
	}

	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for {
		g := &ec2v1alpha1.AutoScalingGroup{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: "watched", Name: "smoke-watched"}, g); err != nil {
			t.Fatal(err)
		}
		if meta.IsStatusConditionTrue(g.Status.Conditions, ec2v1alpha1.ConditionReady) {
			t.Logf("group Ready after %s", time.Since(start).Round(time.Millisecond))
			break
		}
		select {
		case err := <-done:
			t.Fatalf("manager stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("group not Ready: %+v", g.Status.Conditions)
		}
		time.Sleep(200 * time.Millisecond)
	}

	get := func(url string) string {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", url, resp.Status)
		}
		return string(body)
	}
	get("http://" + probeAddr + "/healthz")
	get("http://" + probeAddr + "/readyz")
	metrics := get("http://" + metricsAddr + "/metrics")
	for _, want := range []string{
		`autoscale_operator_resources{kind="AutoScalingGroup",state="ready"} 1`,
		`autoscale_operator_resources{kind="LaunchConfiguration",state="ready"} 1`,
		`autoscale_operator_aws_calls_total{action="CreateAutoScalingGroup",code="OK",service="autoscaling"} 1`,
		`controller_runtime_reconcile_total`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	ignored := &ec2v1alpha1.AutoScalingGroup{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: "ignored", Name: "smoke-ignored"}, ignored); err != nil {
		t.Fatal(err)
	}
	if len(ignored.Status.Conditions) != 0 || len(ignored.Finalizers) != 0 {
		t.Errorf("an object outside --watch-namespace was reconciled: %+v", ignored.Status)
	}
}
