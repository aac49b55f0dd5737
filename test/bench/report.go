package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Report is what latest.json holds.
type Report struct {
	Generated time.Time    `json:"generated"`
	Mode      string       `json:"mode"`
	Machine   Machine      `json:"machine"`
	Config    ConfigReport `json:"config"`
	Runs      []RunResult  `json:"runs"`
	Summary   Summary      `json:"summary"`
	Targets   []Verdict    `json:"targets"`
	Notes     []string     `json:"notes,omitempty"`
}

// Machine is where the figures were taken.
type Machine struct {
	Cores        int       `json:"cores"`
	CPUModel     string    `json:"cpuModel,omitempty"`
	MemTotalMiB  float64   `json:"memTotalMiB"`
	Kernel       string    `json:"kernel,omitempty"`
	GoVersion    string    `json:"goVersion"`
	Commit       string    `json:"commit"`
	Dirty        bool      `json:"dirty"`
	Moto         string    `json:"moto,omitempty"`
	LoadAvgStart []float64 `json:"loadAvgStart,omitempty"`
	LoadAvgEnd   []float64 `json:"loadAvgEnd,omitempty"`
}

// ConfigReport is the configuration the figures were taken with.
type ConfigReport struct {
	Ns                []int   `json:"ns"`
	Runs              int     `json:"runs"`
	SyncPeriodSeconds float64 `json:"syncPeriodSeconds"`
	Periods           int     `json:"periods"`
	Concurrency       int     `json:"maxConcurrentReconciles"`
	RateLimit         float64 `json:"awsRateLimitPerService"`
	Burst             int     `json:"awsRateBurst"`
	LaunchDelay       string  `json:"emulatorLaunchDelay"`
	S4Seconds         float64 `json:"s4SecondsPerMix"`
	S4Workers         int     `json:"s4Workers"`
}

func configReport(c Config) ConfigReport {
	return ConfigReport{Ns: c.Ns, Runs: c.Runs, SyncPeriodSeconds: c.SyncPeriod.Seconds(), Periods: c.Periods,
		Concurrency: c.Concurrency, RateLimit: c.RateLimit, Burst: c.Burst, LaunchDelay: "0s",
		S4Seconds: c.S4Duration.Seconds(), S4Workers: c.S4Workers}
}

// RunResult is one run of everything.
type RunResult struct {
	Index       int            `json:"index"`
	Convergence []Convergence  `json:"s1Convergence"`
	Steady      []Steady       `json:"s2SteadyState"`
	Footprint   []Footprint    `json:"s3Footprint"`
	Emulator    EmulatorResult `json:"s4Emulator"`
}

// Convergence is S1 for one N.
type Convergence struct {
	N int `json:"n"`
	// ApplySeconds is how long creating the 3N objects took; OperatorSeconds runs from the first
	// create until all 3N are Ready.
	ApplySeconds    float64 `json:"applySeconds"`
	OperatorSeconds float64 `json:"operatorSeconds"`
	// LowerBoundSeconds is the plain-SDK program under the operator's client-side rate limit;
	// LowerBoundUnlimitedSeconds the same program with no limit.
	LowerBoundSeconds          float64          `json:"lowerBoundSeconds"`
	LowerBoundUnlimitedSeconds float64          `json:"lowerBoundUnlimitedSeconds"`
	Ratio                      float64          `json:"ratio"`
	RatioUnlimited             float64          `json:"ratioUnlimited"`
	OperatorCalls              map[string]int64 `json:"operatorCalls"`
	LowerBoundCalls            map[string]int64 `json:"lowerBoundCalls"`
}

// Steady is S2 for one N.
type Steady struct {
	N                      int                `json:"n"`
	Periods                int                `json:"periods"`
	SyncPeriodSeconds      float64            `json:"syncPeriodSeconds"`
	Calls                  map[string]int64   `json:"calls"`
	TotalCalls             int64              `json:"totalCalls"`
	CallsPerGroupPerPeriod float64            `json:"callsPerGroupPerPeriod"`
	ByAction               map[string]float64 `json:"callsPerGroupPerPeriodByAction"`
	// ReadyAtEnd counts the fleet's Ready objects after the periods (3N when nothing went wrong).
	ReadyAtEnd int `json:"readyAtEnd"`
}

func (s *Steady) summarize(n int) {
	s.ByAction = map[string]float64{}
	s.TotalCalls = 0
	for action, c := range s.Calls {
		if strings.Contains(action, ":") { // "Action:ErrorCode" counts are already in Action's
			continue
		}
		s.TotalCalls += c
		s.ByAction[action] = float64(c) / float64(n) / float64(s.Periods)
	}
	s.CallsPerGroupPerPeriod = float64(s.TotalCalls) / float64(n) / float64(s.Periods)
}

// Footprint is S3 for one N.
type Footprint struct {
	N                 int                `json:"n"`
	PeakRSSBytes      uint64             `json:"peakRSSBytes"`
	EndRSSBytes       uint64             `json:"endRSSBytes"`
	MaxHeapAllocBytes float64            `json:"maxHeapAllocBytes"`
	MaxHeapInuseBytes float64            `json:"maxHeapInuseBytes"`
	Samples           int                `json:"heapSamples"`
	Reconcile         map[string]Latency `json:"reconcileLatency"`
}

// Latency summarises a reconcile-time histogram, in seconds.
type Latency struct {
	Count       uint64  `json:"count"`
	P50         float64 `json:"p50Seconds"`
	P99         float64 `json:"p99Seconds"`
	MeanSeconds float64 `json:"meanSeconds"`
}

// EmulatorResult is S4 of one run.
type EmulatorResult struct {
	Workers int     `json:"workers"`
	Seconds float64 `json:"secondsPerMix"`
	// Ours and Moto ran the Auto Scaling mix; Ratio is Ours / Moto. OursFull ran the mix with
	// CloudWatch added (ours only: moto does not speak the Go SDK's CloudWatch protocol).
	Ours     Throughput  `json:"ours"`
	Moto     *Throughput `json:"moto,omitempty"`
	Ratio    float64     `json:"ratio,omitempty"`
	OursFull Throughput  `json:"oursFullMix"`
}

// Stat is a figure over runs.
type Stat struct {
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Values []float64 `json:"values"`
}

func stat(values []float64) Stat {
	if len(values) == 0 {
		return Stat{}
	}
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stat{Median: med, Min: s[0], Max: s[len(s)-1], Values: values}
}

// Summary holds medians and spreads over the runs, per N where it applies.
type Summary struct {
	PerN     []NSummary `json:"perN"`
	Emulator struct {
		Ours     Stat  `json:"oursCallsPerSecond"`
		Moto     *Stat `json:"motoCallsPerSecond,omitempty"`
		Ratio    *Stat `json:"ratio,omitempty"`
		OursFull Stat  `json:"oursFullMixCallsPerSecond"`
	} `json:"s4Emulator"`
}

// NSummary summarises S1-S3 for one N.
type NSummary struct {
	N                      int             `json:"n"`
	ApplySeconds           Stat            `json:"applySeconds"`
	OperatorSeconds        Stat            `json:"operatorSeconds"`
	LowerBoundSeconds      Stat            `json:"lowerBoundSeconds"`
	LowerBoundUnlimited    Stat            `json:"lowerBoundUnlimitedSeconds"`
	Ratio                  Stat            `json:"ratio"`
	RatioUnlimited         Stat            `json:"ratioUnlimited"`
	CallsPerGroupPerPeriod Stat            `json:"callsPerGroupPerPeriod"`
	ByAction               map[string]Stat `json:"callsPerGroupPerPeriodByAction"`
	PeakRSSMiB             Stat            `json:"peakRSSMiB"`
	MaxHeapAllocMiB        Stat            `json:"maxHeapAllocMiB"`
	MaxHeapInuseMiB        Stat            `json:"maxHeapInuseMiB"`
	ReconcileP50           map[string]Stat `json:"reconcileP50Seconds"`
	ReconcileP99           map[string]Stat `json:"reconcileP99Seconds"`
}

// Verdict compares a median with a target.
type Verdict struct {
	Name   string  `json:"name"`
	Target string  `json:"target"`
	Value  float64 `json:"value"`
	Met    bool    `json:"met"`
	Note   string  `json:"note,omitempty"`
}

func (r *Report) summarize() {
	for _, n := range r.Config.Ns {
		ns := NSummary{N: n, ByAction: map[string]Stat{}, ReconcileP50: map[string]Stat{}, ReconcileP99: map[string]Stat{}}
		var apply, op, lb, lbu, ratio, ratioU, cpp, rss, halloc, huse []float64
		byAction := map[string][]float64{}
		p50, p99 := map[string][]float64{}, map[string][]float64{}
		for _, run := range r.Runs {
			for _, c := range run.Convergence {
				if c.N == n {
					apply, op, lb, lbu = append(apply, c.ApplySeconds), append(op, c.OperatorSeconds), append(lb, c.LowerBoundSeconds), append(lbu, c.LowerBoundUnlimitedSeconds)
					ratio, ratioU = append(ratio, c.Ratio), append(ratioU, c.RatioUnlimited)
				}
			}
			for _, s := range run.Steady {
				if s.N == n {
					cpp = append(cpp, s.CallsPerGroupPerPeriod)
					for a := range s.ByAction {
						byAction[a] = nil
					}
				}
			}
			for _, f := range run.Footprint {
				if f.N == n {
					rss, halloc, huse = append(rss, mib(f.PeakRSSBytes)), append(halloc, f.MaxHeapAllocBytes/(1<<20)), append(huse, f.MaxHeapInuseBytes/(1<<20))
					for c, l := range f.Reconcile {
						p50[c], p99[c] = append(p50[c], l.P50), append(p99[c], l.P99)
					}
				}
			}
		}
		// An action missing from a run counts as zero calls in that run.
		for _, run := range r.Runs {
			for _, s := range run.Steady {
				if s.N == n {
					for a := range byAction {
						byAction[a] = append(byAction[a], s.ByAction[a])
					}
				}
			}
		}
		ns.ApplySeconds, ns.OperatorSeconds, ns.LowerBoundSeconds, ns.LowerBoundUnlimited = stat(apply), stat(op), stat(lb), stat(lbu)
		ns.Ratio, ns.RatioUnlimited, ns.CallsPerGroupPerPeriod = stat(ratio), stat(ratioU), stat(cpp)
		ns.PeakRSSMiB, ns.MaxHeapAllocMiB, ns.MaxHeapInuseMiB = stat(rss), stat(halloc), stat(huse)
		for a, v := range byAction {
			ns.ByAction[a] = stat(v)
		}
		for c := range p50 {
			ns.ReconcileP50[c], ns.ReconcileP99[c] = stat(p50[c]), stat(p99[c])
		}
		r.Summary.PerN = append(r.Summary.PerN, ns)
	}
	var ours, moto, ratio, full []float64
	for _, run := range r.Runs {
		ours, full = append(ours, run.Emulator.Ours.CallsPerSecond), append(full, run.Emulator.OursFull.CallsPerSecond)
		if run.Emulator.Moto != nil {
			moto, ratio = append(moto, run.Emulator.Moto.CallsPerSecond), append(ratio, run.Emulator.Ratio)
		}
	}
	r.Summary.Emulator.Ours, r.Summary.Emulator.OursFull = stat(ours), stat(full)
	if len(moto) > 0 {
		m, q := stat(moto), stat(ratio)
		r.Summary.Emulator.Moto, r.Summary.Emulator.Ratio = &m, &q
	}
	r.verdicts()
}

// The targets of issue 6, judged on the largest N measured (the N = 1000).
func (r *Report) verdicts() {
	if len(r.Summary.PerN) == 0 {
		return
	}
	big := r.Summary.PerN[0]
	for _, s := range r.Summary.PerN {
		if s.N > big.N {
			big = s
		}
	}
	at := fmt.Sprintf(" at N = %d", big.N)
	r.Targets = []Verdict{
		{Name: "S1 convergence ratio (operator / lower bound under the same rate limit)" + at, Target: "≤ 1.5",
			Value: big.Ratio.Median, Met: big.Ratio.Median <= 1.5},
		{Name: "S2 AWS calls per group per sync period" + at, Target: "≤ 0.05",
			Value: big.CallsPerGroupPerPeriod.Median, Met: big.CallsPerGroupPerPeriod.Median <= 0.05},
		{Name: "S3 peak RSS (MiB)" + at, Target: "≤ 200",
			Value: big.PeakRSSMiB.Median, Met: big.PeakRSSMiB.Median <= 200},
	}
	if q := r.Summary.Emulator.Ratio; q != nil {
		r.Targets = append(r.Targets, Verdict{Name: "S4 emulator calls/s, ours / moto (Auto Scaling mix)", Target: "≥ 10",
			Value: q.Median, Met: q.Median >= 10})
	} else {
		r.Targets = append(r.Targets, Verdict{Name: "S4 emulator calls/s, ours / moto", Target: "≥ 10", Note: "moto_server not available: not measured"})
	}
	if big.N < 1000 {
		for i := range r.Targets[:3] {
			r.Targets[i].Note = "measured below the target's N = 1000"
		}
	}
}

// ReadReport loads a report written by Write (dir/latest.json).
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// Write stores the report as dir/latest.json and dir/latest.md.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "latest.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "latest.md"), []byte(r.Markdown()), 0o644)
}

func f(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func (s Stat) cell(prec int) string {
	if len(s.Values) == 0 {
		return "n/a"
	}
	if len(s.Values) == 1 {
		return f(s.Median, prec)
	}
	return fmt.Sprintf("%s (%s–%s)", f(s.Median, prec), f(s.Min, prec), f(s.Max, prec))
}

// Markdown renders the report as the tables the README shows.
func (r *Report) Markdown() string {
	var b strings.Builder
	for _, section := range []func(*strings.Builder){r.writeHeader, r.writeTargets, r.writeS1, r.writeS2, r.writeS3, r.writeS4} {
		section(&b)
	}
	return b.String()
}

// writeHeader says how, where and on what the report was measured.
func (r *Report) writeHeader(b *strings.Builder) {
	m := r.Machine
	runs := "run"
	if r.Config.Runs != 1 {
		runs = "runs"
	}
	fmt.Fprintf(b, "## Benchmark (`make bench`, %s mode)\n\n", r.Mode)
	fmt.Fprintf(b, "Medians of %d %s, spread (min–max) in brackets; ratios are taken within a run. Machine: %d cores (%s), %.1f GiB RAM, %s, Go %s, commit %s%s, load average %s at the start (the machine is shared). %s.\n\n",
		r.Config.Runs, runs, m.Cores, m.CPUModel, m.MemTotalMiB/1024, m.Kernel, strings.TrimPrefix(m.GoVersion, "go"), m.Commit, dirty(m.Dirty),
		loadString(m.LoadAvgStart), r.Generated.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(b, "Setup: envtest kube-apiserver + etcd, our emulator in-process (launch delay 0), `bin/manager` as a subprocess with `--max-concurrent-reconciles %d` and a short `--sync-period %gs` (the default is 60 s; calls per period do not depend on it), all on loopback. A set is a LaunchConfiguration + AutoScalingGroup (1 instance) + Trigger (2 policies, 2 alarms).\n\n",
		r.Config.Concurrency, r.Config.SyncPeriodSeconds)
}

// writeTargets is the table of measures against their targets.
func (r *Report) writeTargets(b *strings.Builder) {
	b.WriteString("| Measure | Median | Target | Met |\n|---|---|---|---|\n")
	for _, v := range r.Targets {
		met := "no"
		if v.Met {
			met = "yes"
		}
		val := f(v.Value, 3)
		if v.Note != "" && v.Value == 0 {
			val, met = "n/a", "—"
		}
		note := ""
		if v.Note != "" {
			note = " (" + v.Note + ")"
		}
		fmt.Fprintf(b, "| %s%s | %s | %s | %s |\n", v.Name, note, val, v.Target, met)
	}
}

// writeS1 is the convergence table.
func (r *Report) writeS1(b *strings.Builder) {
	b.WriteString("\n### S1 convergence (seconds until all 3N objects are Ready)\n\n")
	fmt.Fprintf(b, "Lower bound: a plain aws-sdk-go-v2 program making exactly the calls the sets need (CreateLaunchConfiguration, CreateAutoScalingGroup with tags, PutScalingPolicy ×2, PutMetricAlarm ×2, then DescribeAutoScalingGroups 100 names a call until all InService) with %d sets in flight, against a fresh emulator with the same settings; once under the operator's client-side AWS rate limit (%g calls/s per service, burst %d) and once without a limit.\n\n",
		r.Config.Concurrency, r.Config.RateLimit, r.Config.Burst)
	b.WriteString("| N | operator | of which apply | lower bound (same rate limit) | ratio | lower bound (no limit) | ratio |\n|---|---|---|---|---|---|---|\n")
	for _, s := range r.Summary.PerN {
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %s |\n", s.N, s.OperatorSeconds.cell(1), s.ApplySeconds.cell(1),
			s.LowerBoundSeconds.cell(1), s.Ratio.cell(2), s.LowerBoundUnlimited.cell(2), s.RatioUnlimited.cell(1))
	}
}

// writeS2 is the steady-state table.
func (r *Report) writeS2(b *strings.Builder) {
	fmt.Fprintf(b, "\n### S2 steady state (AWS calls per group per sync period, %d periods of %g s, counters reset after convergence)\n\n", r.Config.Periods, r.Config.SyncPeriodSeconds)
	b.WriteString("| N | all actions | by action |\n|---|---|---|\n")
	for _, s := range r.Summary.PerN {
		actions := make([]string, 0, len(s.ByAction))
		for a := range s.ByAction {
			actions = append(actions, a)
		}
		sort.Slice(actions, func(i, j int) bool { return s.ByAction[actions[i]].Median > s.ByAction[actions[j]].Median })
		parts := make([]string, 0, len(actions))
		for _, a := range actions {
			parts = append(parts, fmt.Sprintf("%s %s", a, f(s.ByAction[a].Median, 4)))
		}
		by := strings.Join(parts, ", ")
		if by == "" {
			by = "none"
		}
		fmt.Fprintf(b, "| %d | %s | %s |\n", s.N, s.CallsPerGroupPerPeriod.cell(4), by)
	}
}

// writeS3 is the footprint table.
func (r *Report) writeS3(b *strings.Builder) {
	b.WriteString("\n### S3 footprint (manager process)\n\n")
	b.WriteString("| N | peak RSS (VmHWM) MiB | max heap alloc MiB | max heap in use MiB | reconcile p50 / p99 (s), all controllers | by controller |\n|---|---|---|---|---|---|\n")
	for _, s := range r.Summary.PerN {
		ctrls := make([]string, 0, len(s.ReconcileP50))
		for c := range s.ReconcileP50 {
			if c != "all" {
				ctrls = append(ctrls, c)
			}
		}
		sort.Strings(ctrls)
		parts := make([]string, 0, len(ctrls))
		for _, c := range ctrls {
			parts = append(parts, fmt.Sprintf("%s %s / %s", c, f(s.ReconcileP50[c].Median, 3), f(s.ReconcileP99[c].Median, 3)))
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s / %s | %s |\n", s.N, s.PeakRSSMiB.cell(1), s.MaxHeapAllocMiB.cell(1), s.MaxHeapInuseMiB.cell(1),
			f(s.ReconcileP50["all"].Median, 3), f(s.ReconcileP99["all"].Median, 3), strings.Join(parts, "; "))
	}
}

// writeS4 is the emulator throughput table, then the notes.
func (r *Report) writeS4(b *strings.Builder) {
	e := r.Summary.Emulator
	fmt.Fprintf(b, "\n### S4 emulator throughput (calls/s through the Go SDK, %d concurrent callers, %g s per target in 1-s slices taken in turn)\n\n", r.Config.S4Workers, r.Config.S4Seconds)
	b.WriteString("The ratio uses an Auto Scaling-only mix (DescribeAutoScalingGroups with 10 names, SetDesiredCapacity alternating 1 and 2, DescribeScalingActivities), because moto does not speak the RPCv2 CBOR protocol the Go SDK uses for CloudWatch; the full mix adds PutMetricAlarm and DescribeAlarms and runs against ours only.\n\n")
	b.WriteString("| mix | ours | moto_server | ours / moto |\n|---|---|---|---|\n")
	motoCell, ratioCell := "n/a", "n/a"
	if e.Moto != nil {
		motoCell, ratioCell = e.Moto.cell(0), e.Ratio.cell(1)
	}
	fmt.Fprintf(b, "| Auto Scaling | %s | %s | %s |\n", e.Ours.cell(0), motoCell, ratioCell)
	fmt.Fprintf(b, "| Auto Scaling + CloudWatch | %s | — | — |\n", e.OursFull.cell(0))
	for _, n := range r.Notes {
		fmt.Fprintf(b, "\nNote: %s\n", n)
	}
}

func dirty(d bool) string {
	if d {
		return " (with uncommitted changes)"
	}
	return ""
}

func loadString(l []float64) string {
	if len(l) == 0 {
		return "n/a"
	}
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = f(v, 2)
	}
	return strings.Join(parts, " ")
}

// describeMachine records cores, memory, CPU model, kernel, Go version and commit.
func describeMachine(root string) Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), LoadAvgStart: loadAvg()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if fs := strings.Fields(rest); len(fs) > 0 {
					kb, _ := strconv.ParseFloat(fs[0], 64)
					m.MemTotalMiB = kb / 1024
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if out, err := gitOutput(root, "rev-parse", "--short=12", "HEAD"); err == nil {
		m.Commit = out
	}
	if out, err := gitOutput(root, "status", "--porcelain", "--untracked-files=no"); err == nil {
		m.Dirty = out != ""
	}
	return m
}

func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

func loadAvg() []float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	fs := strings.Fields(string(b))
	var out []float64
	for _, s := range fs[:min(3, len(fs))] {
		v, _ := strconv.ParseFloat(s, 64)
		out = append(out, v)
	}
	return out
}

func motoVersion(path string) string {
	if path == "" {
		path = "moto_server"
	}
	// moto_server has no --version; ask the Python package it belongs to.
	py := filepath.Join(filepath.Dir(path), "python3")
	if _, err := os.Stat(py); err != nil {
		py = "python3"
	}
	out, err := exec.Command(py, "-c", "import moto; print(moto.__version__)").Output()
	if err != nil {
		return "moto_server"
	}
	return "moto " + strings.TrimSpace(string(out))
}

func mkTemp() (string, error) { return os.MkdirTemp("", "autoscale-bench-") }
func removeAll(dir string)    { _ = os.RemoveAll(dir) }
