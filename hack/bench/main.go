// Command bench runs the fleet-scale benchmark of issue 6 (test/bench) and writes
// bench/results/latest.json and latest.md. `make bench` runs it with the control plane built.
//
//	go run ./hack/bench                 # N = 100 and 1000, 3 runs (about half an hour)
//	go run ./hack/bench --quick         # N = 20, 1 run, short periods (the smoke test's setting)
//	go run ./hack/bench --n 1000 --runs 5
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/autoscale-operator/autoscale-operator/test/bench"
)

func main() {
	var (
		quick       = flag.Bool("quick", false, "smoke setting: N=20, 1 run, 2 s sync period over 2 periods, 1 s per S4 mix")
		ns          = flag.String("n", "", "comma-separated fleet sizes (default 100,1000)")
		runs        = flag.Int("runs", 0, "runs to take medians over (default 3)")
		syncPeriod  = flag.Duration("sync-period", 0, "the manager's --sync-period during the benchmark (default 10s)")
		periods     = flag.Int("periods", 0, "sync periods S2 counts calls over (default 5)")
		concurrency = flag.Int("max-concurrent-reconciles", 0, "the manager's --max-concurrent-reconciles and the lower bound's workers (default 16, the manager's default)")
		s4          = flag.Duration("s4-duration", 0, "how long each S4 call mix runs (default 5s)")
		out         = flag.String("out", "bench/results", "directory for latest.json and latest.md")
		manager     = flag.String("manager", "", "prebuilt manager binary (default: build ./cmd/manager)")
		requireMoto = flag.Bool("require-moto", false, "fail when moto_server cannot be started")
		timeout     = flag.Duration("timeout", 90*time.Minute, "give up after this long")
		render      = flag.Bool("render", false, "measure nothing: rewrite latest.md in --out from its latest.json")
	)
	flag.Parse()
	// envtest logs through controller-runtime's logger; the bench reports its own progress.
	ctrllog.SetLogger(logr.Discard())
	if *render {
		rep, err := bench.ReadReport(filepath.Join(*out, "latest.json"))
		if err == nil {
			err = rep.Write(*out)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	cfg := bench.Config{}
	if *quick {
		cfg = bench.Quick()
	}
	if *ns != "" {
		cfg.Ns = nil
		for _, s := range strings.Split(*ns, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n <= 0 {
				fmt.Fprintf(os.Stderr, "bench: --n wants positive integers, got %q\n", s)
				os.Exit(2)
			}
			cfg.Ns = append(cfg.Ns, n)
		}
	}
	if *runs > 0 {
		cfg.Runs = *runs
	}
	if *syncPeriod > 0 {
		cfg.SyncPeriod = *syncPeriod
	}
	if *periods > 0 {
		cfg.Periods = *periods
	}
	if *concurrency > 0 {
		cfg.Concurrency = *concurrency
	}
	if *s4 > 0 {
		cfg.S4Duration = *s4
	}
	cfg.ManagerBinary, cfg.RequireMoto, cfg.Progress = *manager, *requireMoto, os.Stderr
	if err := measure(cfg, *timeout, *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %s/latest.json and latest.md\n", *out)
}

// measure runs the benchmark until it ends, timeout passes or the process is interrupted, and
// writes the report into out.
func measure(cfg bench.Config, timeout time.Duration, out string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := rep.Write(out); err != nil {
		return err
	}
	fmt.Print(rep.Markdown())
	return nil
}
