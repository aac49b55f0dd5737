// Package bench measures the operator at fleet scale (issue 6) and writes the results as JSON and
// a markdown table:
//
//   - S1 convergence: N sets of LaunchConfiguration + AutoScalingGroup + Trigger applied at once,
//     seconds until all are Ready, against the lower bound of a plain aws-sdk-go-v2 program making
//     exactly the AWS calls those sets need, at the same concurrency, against a fresh emulator.
//   - S2 steady state: AWS calls per group per sync period, by action, over several periods with
//     nothing changing.
//   - S3 footprint: the manager's peak RSS and Go heap, and reconcile latency percentiles.
//   - S4 emulator: calls per second of one call mix against our emulator and against moto_server.
//
// Everything runs on loopback: envtest's control plane, the emulator in-process (launch delay 0),
// bin/manager as a subprocess (test/harness). `make bench` runs cmd hack/bench; a --quick run is
// the smoke test in `make test`.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// Config configures Run. Zero fields take the defaults of a full `make bench`.
type Config struct {
	// Root is the repository root; default harness.RepoRoot().
	Root string
	// ManagerBinary is a prebuilt manager; default: built once into a temporary directory.
	ManagerBinary string
	// Ns are the fleet sizes of S1-S3; default 100 and 1000.
	Ns []int
	// Runs is how many times everything is measured; default 3.
	Runs int
	// SyncPeriod is the manager's --sync-period; default 10 s, so S2's five periods take under a
	// minute (the operator's default is 60 s; the calls per period do not depend on it).
	SyncPeriod time.Duration
	// Periods is how many sync periods S2 counts calls over; default 5.
	Periods int
	// Concurrency is the manager's --max-concurrent-reconciles and the lower bound's workers;
	// default 16 (the manager's default).
	Concurrency int
	// RateLimit and Burst are the operator's client-side AWS rate limit per service
	// (internal/cloud's defaults); the lower bound is measured under the same limit and without one.
	RateLimit float64
	Burst     int
	// S4Duration is how long each S4 mix runs; default 5 s. S4Workers its concurrent callers; default 4.
	S4Duration time.Duration
	S4Workers  int
	// MotoPath is moto_server's path; default: from PATH. Without moto, S4 reports ours alone,
	// unless RequireMoto.
	MotoPath    string
	RequireMoto bool
	// ConvergeTimeout bounds each S1 convergence; default 15 min.
	ConvergeTimeout time.Duration
	// Mode labels the report ("full", "quick").
	Mode string
	// Progress receives one line per step; nil discards.
	Progress io.Writer
}

// Quick is the smoke configuration: 20 sets, one run, short periods.
func Quick() Config {
	return Config{Ns: []int{20}, Runs: 1, SyncPeriod: 2 * time.Second, Periods: 2, S4Duration: time.Second, Mode: "quick"}
}

func (c Config) withDefaults() (Config, error) {
	if c.Root == "" {
		root, err := harness.RepoRoot()
		if err != nil {
			return c, err
		}
		c.Root = root
	}
	if len(c.Ns) == 0 {
		c.Ns = []int{100, 1000}
	}
	if c.Runs <= 0 {
		c.Runs = 3
	}
	if c.SyncPeriod <= 0 {
		c.SyncPeriod = 10 * time.Second
	}
	if c.Periods <= 0 {
		c.Periods = 5
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.RateLimit == 0 {
		c.RateLimit = cloud.DefaultRateLimit
	}
	if c.Burst <= 0 {
		c.Burst = cloud.DefaultBurst
	}
	if c.S4Duration <= 0 {
		c.S4Duration = 5 * time.Second
	}
	if c.S4Workers <= 0 {
		c.S4Workers = 4
	}
	if c.ConvergeTimeout <= 0 {
		c.ConvergeTimeout = 15 * time.Minute
	}
	if c.Mode == "" {
		c.Mode = "full"
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c, nil
}

func (c Config) logf(format string, a ...any) {
	fmt.Fprintf(c.Progress, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// emulatorOptions are the emulator settings of every S1-S3 measurement, operator and lower bound alike.
func emulatorOptions() emulator.Options {
	return emulator.Options{LaunchDelay: 0, Limits: harness.FleetLimits, DefaultRegion: harness.Region}
}

// Run measures everything cfg.Runs times and returns the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rep := &Report{Generated: time.Now().UTC(), Mode: cfg.Mode, Machine: describeMachine(cfg.Root), Config: configReport(cfg)}
	if cfg.ManagerBinary == "" {
		dir, err := mkTemp()
		if err != nil {
			return nil, err
		}
		defer removeAll(dir)
		cfg.logf("building the manager")
		if cfg.ManagerBinary, err = harness.BuildManager(cfg.Root, dir); err != nil {
			return nil, err
		}
	}
	var m *moto
	if m, err = startMoto(ctx, cfg.MotoPath); err != nil {
		if cfg.RequireMoto {
			return nil, err
		}
		rep.Notes = append(rep.Notes, "S4: moto_server unavailable ("+err.Error()+"); our emulator measured alone")
		cfg.logf("moto unavailable: %v", err)
		m = nil
	} else {
		defer m.stop()
		rep.Machine.Moto = motoVersion(cfg.MotoPath)
	}

	for i := range cfg.Runs {
		run := RunResult{Index: i + 1}
		for _, n := range cfg.Ns {
			conv, steady, foot, err := measureOperator(ctx, cfg, n)
			if err != nil {
				return nil, fmt.Errorf("run %d, N=%d: %w", i+1, n, err)
			}
			cfg.logf("run %d N=%d: lower bound under the operator's rate limit (%g/s per service)", i+1, n, cfg.RateLimit)
			if conv.LowerBoundSeconds, conv.LowerBoundCalls, err = measureLowerBound(ctx, cfg, n, newLimiter(cfg.RateLimit, cfg.Burst)); err != nil {
				return nil, fmt.Errorf("run %d, N=%d, lower bound: %w", i+1, n, err)
			}
			cfg.logf("run %d N=%d: lower bound without a rate limit", i+1, n)
			if conv.LowerBoundUnlimitedSeconds, _, err = measureLowerBound(ctx, cfg, n, limiter{}); err != nil {
				return nil, fmt.Errorf("run %d, N=%d, unlimited lower bound: %w", i+1, n, err)
			}
			conv.Ratio = conv.OperatorSeconds / conv.LowerBoundSeconds
			conv.RatioUnlimited = conv.OperatorSeconds / conv.LowerBoundUnlimitedSeconds
			cfg.logf("run %d N=%d: operator %.1f s, lower bound %.1f s (unlimited %.2f s), ratio %.2f",
				i+1, n, conv.OperatorSeconds, conv.LowerBoundSeconds, conv.LowerBoundUnlimitedSeconds, conv.Ratio)
			run.Convergence = append(run.Convergence, conv)
			run.Steady = append(run.Steady, steady)
			run.Footprint = append(run.Footprint, foot)
		}
		if run.Emulator, err = measureEmulator(ctx, cfg, m); err != nil {
			return nil, fmt.Errorf("run %d, S4: %w", i+1, err)
		}
		rep.Runs = append(rep.Runs, run)
	}
	rep.Machine.LoadAvgEnd = loadAvg()
	rep.summarize()
	return rep, nil
}

// measureSteady counts the AWS calls of a converged fleet of n sets over cfg.Periods sync periods (S2).
func measureSteady(ctx context.Context, cfg Config, env *harness.Env, n int) (Steady, error) {
	steady := Steady{N: n, Periods: cfg.Periods, SyncPeriodSeconds: cfg.SyncPeriod.Seconds()}
	cfg.logf("N=%d: counting AWS calls over %d sync periods of %s", n, cfg.Periods, cfg.SyncPeriod)
	env.Emulator.ResetCalls()
	select {
	case <-ctx.Done():
		return steady, ctx.Err()
	case <-time.After(time.Duration(cfg.Periods) * cfg.SyncPeriod):
	}
	steady.Calls = env.Emulator.Calls()
	steady.summarize(n)
	counts, err := env.CountReady(ctx, "default", "bench")
	if err != nil {
		return steady, err
	}
	steady.ReadyAtEnd = counts.Ready()
	cfg.logf("N=%d: %.4f calls per group per period", n, steady.CallsPerGroupPerPeriod)
	return steady, nil
}

// measureOperator runs S1, S2 and S3 for one fleet size on a fresh control plane, emulator and manager.
func measureOperator(ctx context.Context, cfg Config, n int) (conv Convergence, steady Steady, foot Footprint, err error) {
	conv.N, steady.N, foot.N = n, n, n
	cfg.logf("N=%d: starting control plane, emulator and manager", n)
	env, err := harness.Start(ctx, harness.Options{
		Root:                    cfg.Root,
		ManagerBinary:           cfg.ManagerBinary,
		SyncPeriod:              cfg.SyncPeriod,
		MaxConcurrentReconciles: cfg.Concurrency,
		Emulator:                emulatorOptions(),
	})
	if err != nil {
		return conv, steady, foot, err
	}
	defer func() {
		if cerr := env.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	samp := startSampler(ctx, env.Manager)
	defer samp.stop()

	// S1.
	cfg.logf("N=%d: applying %d sets", n, n)
	start := time.Now()
	if _, err = env.CreateSets(ctx, "default", "bench", n, harness.SetTemplate{}); err != nil {
		return conv, steady, foot, err
	}
	conv.ApplySeconds = time.Since(start).Seconds()
	poll := 200 * time.Millisecond
	if n >= 500 {
		poll = 500 * time.Millisecond
	}
	waitCtx, cancel := context.WithTimeout(ctx, cfg.ConvergeTimeout)
	_, err = env.WaitReady(waitCtx, "default", "bench", 3*n, poll)
	cancel()
	if err != nil {
		return conv, steady, foot, fmt.Errorf("%w\nmanager log:\n%s", err, env.Manager.LogTail(20))
	}
	conv.OperatorSeconds = time.Since(start).Seconds()
	conv.OperatorCalls = env.Emulator.Calls()
	cfg.logf("N=%d: all Ready after %.1f s (applied in %.1f s)", n, conv.OperatorSeconds, conv.ApplySeconds)

	// S2.
	if steady, err = measureSteady(ctx, cfg, env, n); err != nil {
		return conv, steady, foot, err
	}

	// S3.
	ms, err := env.Manager.ScrapeMetrics(ctx)
	if err != nil {
		return conv, steady, foot, err
	}
	samp.observe(ms)
	mem, err := env.Manager.Memory()
	if err != nil {
		return conv, steady, foot, err
	}
	samp.stop()
	foot.PeakRSSBytes, foot.EndRSSBytes = mem.HWM, mem.RSS
	foot.MaxHeapAllocBytes, foot.MaxHeapInuseBytes, foot.Samples = samp.result()
	foot.Reconcile = reconcileLatencies(ms)
	cfg.logf("N=%d: peak RSS %.1f MiB, max heap in use %.1f MiB", n, mib(foot.PeakRSSBytes), foot.MaxHeapInuseBytes/(1<<20))
	return conv, steady, foot, nil
}

// measureLowerBound runs the plain-SDK program against a fresh emulator with the same settings.
func measureLowerBound(ctx context.Context, cfg Config, n int, lim limiter) (float64, map[string]int64, error) {
	emu := emulator.New(emulatorOptions())
	url, stop, err := harness.Serve(emu)
	if err != nil {
		return 0, nil, err
	}
	defer stop()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = emu.Run(runCtx) }()
	waitCtx, cancelWait := context.WithTimeout(ctx, cfg.ConvergeTimeout)
	defer cancelWait()
	d, err := lowerBound(waitCtx, url, n, cfg.Concurrency, lim)
	if err != nil {
		return 0, nil, err
	}
	return d.Seconds(), emu.Calls(), nil
}

// measureEmulator runs S4: the Auto Scaling mix against our emulator and moto, and the full mix
// against ours, each on fresh state, interleaved in one-second slices (see interleave).
func measureEmulator(ctx context.Context, cfg Config, m *moto) (EmulatorResult, error) {
	var res EmulatorResult
	res.Workers, res.Seconds = cfg.S4Workers, cfg.S4Duration.Seconds()
	ours := func(mix Mix) (*mixRunner, func(), error) {
		emu := emulator.New(emulator.Options{Limits: harness.FleetLimits, DefaultRegion: harness.Region,
			Logger: slog.New(slog.DiscardHandler)})
		url, stop, err := harness.Serve(emu)
		if err != nil {
			return nil, nil, err
		}
		r, err := newMixRunner(ctx, url, mix, cfg.S4Workers)
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("our emulator, %s mix: %w", mix, err)
		}
		return r, stop, nil
	}
	oursAS, stopAS, err := ours(MixAutoScaling)
	if err != nil {
		return res, err
	}
	defer stopAS()
	oursFull, stopFull, err := ours(MixFull)
	if err != nil {
		return res, err
	}
	defer stopFull()
	runners := []*mixRunner{oursAS, oursFull}
	var motoAS *mixRunner
	if m != nil {
		if err := m.reset(ctx); err != nil {
			return res, err
		}
		if motoAS, err = newMixRunner(ctx, m.url, MixAutoScaling, cfg.S4Workers); err != nil {
			return res, fmt.Errorf("moto: %w", err)
		}
		runners = append(runners, motoAS)
	}
	slices := max(1, int(cfg.S4Duration/time.Second))
	cfg.logf("S4: %d slices of %s per target: ours (Auto Scaling mix), ours (full mix), moto (Auto Scaling mix)", slices, cfg.S4Duration/time.Duration(slices))
	if err := interleave(ctx, runners, cfg.S4Duration, slices); err != nil {
		return res, err
	}
	res.Ours, res.OursFull = oursAS.total, oursFull.total
	if motoAS != nil {
		t := motoAS.total
		res.Moto = &t
		res.Ratio = res.Ours.CallsPerSecond / t.CallsPerSecond
	}
	cfg.logf("S4: ours %.0f calls/s, moto %s, ratio %.1f", res.Ours.CallsPerSecond, motoRate(res.Moto), res.Ratio)
	return res, nil
}

func motoRate(t *Throughput) string {
	if t == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f calls/s", t.CallsPerSecond)
}

// sampler scrapes the manager's heap gauges (and RSS) every second and keeps the maxima.
type sampler struct {
	mu                  sync.Mutex
	heapAlloc, heapUsed float64
	samples             int
	cancel              context.CancelFunc
	done                chan struct{}
	once                sync.Once
}

func startSampler(ctx context.Context, m *harness.Manager) *sampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &sampler{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if ms, err := m.ScrapeMetrics(ctx); err == nil {
				s.observe(ms)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) observe(ms harness.Metrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := ms.Value("go_memstats_heap_alloc_bytes", nil); ok {
		s.heapAlloc = max(s.heapAlloc, v)
	}
	if v, ok := ms.Value("go_memstats_heap_inuse_bytes", nil); ok {
		s.heapUsed = max(s.heapUsed, v)
	}
	s.samples++
}

func (s *sampler) stop() {
	s.once.Do(func() {
		s.cancel()
		<-s.done
	})
}

func (s *sampler) result() (alloc, inuse float64, samples int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heapAlloc, s.heapUsed, s.samples
}

// reconcileLatencies are p50 and p99 of controller_runtime_reconcile_time_seconds per controller
// and over all of them ("all").
func reconcileLatencies(ms harness.Metrics) map[string]Latency {
	const name = "controller_runtime_reconcile_time_seconds"
	out := map[string]Latency{}
	controllers := ms.LabelValues(name, "controller")
	sort.Strings(controllers)
	for _, c := range controllers {
		if h, ok := ms.Histogram(name, map[string]string{"controller": c}); ok {
			out[c] = latency(h)
		}
	}
	if h, ok := ms.Histogram(name, nil); ok {
		out["all"] = latency(h)
	}
	return out
}

func latency(h harness.Histogram) Latency {
	if h.Count == 0 {
		return Latency{}
	}
	return Latency{Count: h.Count, P50: h.Quantile(0.5), P99: h.Quantile(0.99), MeanSeconds: h.Sum / float64(h.Count)}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
