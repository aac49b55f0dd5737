package bench

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// TestQuickBench runs `hack/bench --quick` in-process and checks that the report is complete and
// sane. Correctness only: timings are never pass/fail here (the machine is shared).
func TestQuickBench(t *testing.T) {
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, "bin", "k8s", harness.K8sVersion+"-linux-amd64")
		t.Setenv("KUBEBUILDER_ASSETS", assets)
	}
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil && os.Getenv("CI") == "" {
		t.Skipf("no control plane in %s: run `make envtest` (required under CI)", assets)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := Quick()
	cfg.Root = root
	cfg.RequireMoto = os.Getenv("CI") != ""
	if _, err := exec.LookPath("moto_server"); err != nil && !cfg.RequireMoto {
		t.Log("moto_server not on PATH: S4 measures our emulator alone")
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := rep.Write(dir); err != nil {
		t.Fatal(err)
	}

	b, err := os.ReadFile(filepath.Join(dir, "latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got Report
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("latest.json does not parse: %v", err)
	}
	if got.Machine.Cores <= 0 || got.Machine.MemTotalMiB <= 0 || got.Machine.GoVersion == "" || got.Machine.Commit == "" {
		t.Errorf("machine incomplete: %+v", got.Machine)
	}
	if len(got.Runs) != 1 || len(got.Runs[0].Convergence) != 1 {
		t.Fatalf("want 1 run with 1 fleet size, got %+v", got.Runs)
	}
	run := got.Runs[0]
	c := run.Convergence[0]
	if c.N != 20 || c.OperatorSeconds <= 0 || c.LowerBoundSeconds <= 0 || c.LowerBoundUnlimitedSeconds <= 0 || c.Ratio <= 0 {
		t.Errorf("S1 incomplete: %+v", c)
	}
	if c.OperatorCalls["CreateAutoScalingGroup"] != 20 || c.LowerBoundCalls["CreateAutoScalingGroup"] != 20 {
		t.Errorf("S1: want 20 CreateAutoScalingGroup from each side, operator %d, lower bound %d",
			c.OperatorCalls["CreateAutoScalingGroup"], c.LowerBoundCalls["CreateAutoScalingGroup"])
	}
	if c.LowerBoundCalls["PutMetricAlarm"] != 40 || c.LowerBoundCalls["PutScalingPolicy"] != 40 {
		t.Errorf("S1 lower bound made %v, want 40 PutMetricAlarm and 40 PutScalingPolicy", c.LowerBoundCalls)
	}
	s := run.Steady[0]
	if s.Periods != 2 || s.SyncPeriodSeconds != 2 || s.CallsPerGroupPerPeriod < 0 || s.ReadyAtEnd != 60 {
		t.Errorf("S2 incomplete (want 60 objects Ready at the end): %+v", s)
	}
	fp := run.Footprint[0]
	if fp.PeakRSSBytes == 0 || fp.MaxHeapAllocBytes <= 0 || fp.MaxHeapInuseBytes <= 0 || fp.Samples == 0 {
		t.Errorf("S3 incomplete: %+v", fp)
	}
	for _, ctrl := range []string{"all", "autoscalinggroup", "launchconfiguration", "trigger"} {
		if l := fp.Reconcile[ctrl]; l.Count == 0 || l.P50 <= 0 || l.P99 < l.P50 {
			t.Errorf("S3 reconcile latency of %q: %+v", ctrl, l)
		}
	}
	e := run.Emulator
	if e.Ours.Calls == 0 || e.Ours.CallsPerSecond <= 0 || e.OursFull.CallsPerSecond <= 0 {
		t.Errorf("S4 incomplete: %+v", e)
	}
	if e.Moto != nil && (e.Moto.CallsPerSecond <= 0 || e.Ratio <= 0) {
		t.Errorf("S4 moto incomplete: %+v", e.Moto)
	}
	if len(got.Targets) != 4 || len(got.Summary.PerN) != 1 {
		t.Errorf("summary incomplete: targets %+v, per N %d", got.Targets, len(got.Summary.PerN))
	}

	md, err := os.ReadFile(filepath.Join(dir, "latest.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"S1 convergence", "S2 steady state", "S3 footprint", "S4 emulator", "| 20 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("latest.md lacks %q", want)
		}
	}
}

func TestStat(t *testing.T) {
	s := stat([]float64{3, 1, 2})
	if s.Median != 2 || s.Min != 1 || s.Max != 3 {
		t.Errorf("stat(3,1,2) = %+v", s)
	}
	if s := stat([]float64{4, 1, 2, 3}); s.Median != 2.5 {
		t.Errorf("median of 4 values = %v, want 2.5", s.Median)
	}
	if s := stat(nil); len(s.Values) != 0 || s.cell(1) != "n/a" {
		t.Errorf("empty stat = %+v", s)
	}
}
