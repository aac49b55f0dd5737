package harness

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHarness runs a small fleet through the whole harness: control plane, emulator, manager
// subprocess, Ready counting, metrics, memory, crash and restart, and a clean teardown.
func TestHarness(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, "bin", "k8s", K8sVersion+"-linux-amd64")
	}
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil && os.Getenv("CI") == "" {
		t.Skipf("no control plane in %s: run `make envtest` (required under CI)", assets)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	env, err := Start(ctx, Options{Assets: assets, SyncPeriod: 5 * time.Second, ManagerArgs: []string{"--zap-log-level=info"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := env.Dir
	closed := false
	defer func() {
		if !closed {
			_ = env.Close()
		}
	}()

	const n = 3
	if _, err := env.CreateSets(ctx, "default", "h", n, SetTemplate{}); err != nil {
		t.Fatal(err)
	}
	counts, err := env.WaitReady(ctx, "default", "h", 3*n, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("%v\nmanager log:\n%s", err, env.Manager.LogTail(30))
	}
	if counts.AutoScalingGroups != n || counts.Triggers != n || counts.LaunchConfigurations != n {
		t.Fatalf("counts = %s, want %d of each", counts, n)
	}
	if got := len(env.Emulator.Snapshot().Regions); got == 0 {
		t.Fatalf("emulator snapshot has no region after %d groups were created", n)
	}
	if calls := env.Emulator.Calls(); calls["CreateAutoScalingGroup"] != n || calls["PutMetricAlarm"] < 2*n {
		t.Fatalf("emulator calls = %v, want %d CreateAutoScalingGroup and at least %d PutMetricAlarm", calls, n, 2*n)
	}

	ms, err := env.Manager.ScrapeMetrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ms.Value("go_memstats_heap_alloc_bytes", nil); !ok || v <= 0 {
		t.Fatalf("go_memstats_heap_alloc_bytes = %v, %v", v, ok)
	}
	h, ok := ms.Histogram("controller_runtime_reconcile_time_seconds", map[string]string{"controller": "autoscalinggroup"})
	if !ok {
		t.Fatalf("no reconcile histogram for the autoscalinggroup controller; controllers: %v",
			ms.LabelValues("controller_runtime_reconcile_time_seconds", "controller"))
	}
	if p50 := h.Quantile(0.5); h.Count == 0 || math.IsNaN(p50) || p50 <= 0 {
		t.Fatalf("reconcile histogram %s: p50 %v", h, p50)
	}
	mem, err := env.Manager.Memory()
	if err != nil || mem.RSS == 0 || mem.HWM < mem.RSS {
		t.Fatalf("memory = %+v, %v", mem, err)
	}

	// A crash and a restart: the fleet stays Ready and nothing is created twice.
	pid := env.Manager.PID()
	if err := env.Manager.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("manager %d still alive after Kill", pid)
	}
	if err := env.Manager.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := env.Manager.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := env.WaitReady(ctx, "default", "h", 3*n, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if calls := env.Emulator.Calls(); calls["CreateAutoScalingGroup"] != n {
		t.Fatalf("CreateAutoScalingGroup called %d times for %d groups across restarts", calls["CreateAutoScalingGroup"], n)
	}

	// Deletion through the manager.
	if err := env.DeleteSets(ctx, "default", "h"); err != nil {
		t.Fatal(err)
	}
	if err := env.WaitGone(ctx, "default", "h", 200*time.Millisecond); err != nil {
		t.Fatalf("%v\nmanager log:\n%s", err, env.Manager.LogTail(30))
	}

	pid = env.Manager.PID()
	metricsURL := env.Manager.MetricsURL()
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("manager %d still alive after Close", pid)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("temporary directory %s left behind", dir)
	}
	if _, err := Scrape(context.Background(), metricsURL); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("metrics endpoint still answers after Close: %v", err)
	}
}

func TestHistogramQuantile(t *testing.T) {
	h := Histogram{Bounds: []float64{0.1, 0.5, 1, math.Inf(1)}, Counts: []uint64{50, 90, 100, 100}, Count: 100}
	for _, tc := range []struct{ q, want float64 }{
		{0.5, 0.1},   // rank 50 ends the first bucket
		{0.25, 0.05}, // half-way through [0, 0.1]
		{0.7, 0.3},   // half-way through (0.1, 0.5]
		{0.99, 0.95}, // 9/10 of the way through (0.5, 1]
		{1.0, 1},     // the top of the last finite bucket
	} {
		if got := h.Quantile(tc.q); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got := (Histogram{}).Quantile(0.5); !math.IsNaN(got) {
		t.Errorf("empty histogram quantile = %v, want NaN", got)
	}
	inf := Histogram{Bounds: []float64{1, math.Inf(1)}, Counts: []uint64{0, 10}, Count: 10}
	if got := inf.Quantile(0.5); got != 1 {
		t.Errorf("rank in +Inf bucket = %v, want the highest finite bound 1", got)
	}
}

func TestProcessMemory(t *testing.T) {
	mem, err := ProcessMemory(os.Getpid())
	if err != nil || mem.RSS == 0 || mem.HWM < mem.RSS {
		t.Fatalf("ProcessMemory(self) = %+v, %v", mem, err)
	}
}
