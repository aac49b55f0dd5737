package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const stopGrace = 30 * time.Second

// BuildManager builds ./cmd/manager of the repository at root into dir/manager and returns the
// binary's path. Builds are incremental (Go's build cache), but linking still takes seconds: build
// once and pass the path as Options.ManagerBinary when starting many environments.
func BuildManager(root, dir string) (string, error) {
	out := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/manager")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/manager: %w\n%s", err, b)
	}
	return out, nil
}

type managerConfig struct {
	binary     string
	kubeconfig string
	endpoint   string
	// embeddedAddr, when set, is where the manager's own emulator listens; endpoint points there.
	embeddedAddr string
	syncPeriod   time.Duration
	concurrency  int
	extraArgs    []string
	extraEnv     []string
	log          io.Writer
	logPath      string
}

// Manager is bin/manager running as a child process. Its metrics and probe ports are chosen once,
// so MetricsURL stays valid across restarts.
type Manager struct {
	cfg         managerConfig
	metricsAddr string
	probeAddr   string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	logFile *os.File
}

func newManager(cfg managerConfig) (*Manager, error) {
	m := &Manager{cfg: cfg}
	var err error
	if m.metricsAddr, err = FreeAddr(); err != nil {
		return nil, err
	}
	if m.probeAddr, err = FreeAddr(); err != nil {
		return nil, err
	}
	return m, nil
}

// Args is the manager's command line (without the binary).
func (m *Manager) Args() []string {
	args := []string{"--kubeconfig", m.cfg.kubeconfig}
	if m.cfg.embeddedAddr != "" {
		args = append(args, "--embedded-emulator", "--emulator-addr", m.cfg.embeddedAddr)
	} else {
		args = append(args, "--aws-endpoint", m.cfg.endpoint)
	}
	args = append(args,
		"--aws-region", Region,
		"--leader-elect=false",
		"--sync-period", m.cfg.syncPeriod.String(),
		"--metrics-bind-address", m.metricsAddr,
		"--health-probe-bind-address", m.probeAddr,
	)
	if m.cfg.concurrency > 0 {
		args = append(args, "--max-concurrent-reconciles", strconv.Itoa(m.cfg.concurrency))
	}
	return append(args, m.cfg.extraArgs...)
}

// Start runs the manager and waits until its /readyz answers 200 (or ctx ends, or it exits).
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	if m.cmd != nil {
		m.mu.Unlock()
		return errors.New("manager already running")
	}
	cmd := exec.Command(m.cfg.binary, m.Args()...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=harness", "AWS_SECRET_ACCESS_KEY=harness",
		// Nothing of the developer's AWS configuration may leak in.
		"AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "KUBECONFIG=")
	cmd.Env = append(cmd.Env, m.cfg.extraEnv...)
	out := m.cfg.log
	if out == nil {
		f, err := os.OpenFile(m.cfg.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			m.mu.Unlock()
			return err
		}
		m.logFile, out = f, f
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, and SIGKILL if we die first: no manager outlives the harness.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		m.closeLog()
		m.mu.Unlock()
		return fmt.Errorf("starting %s: %w", m.cfg.binary, err)
	}
	exited := make(chan struct{})
	m.cmd, m.exited = cmd, exited
	go func() {
		err := cmd.Wait()
		m.mu.Lock()
		m.waitErr = err
		m.mu.Unlock()
		close(exited)
	}()
	m.mu.Unlock()
	return m.waitReady(ctx, exited)
}

func (m *Manager) waitReady(ctx context.Context, exited chan struct{}) error {
	url := "http://" + m.probeAddr + "/readyz"
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := hc.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return fmt.Errorf("manager exited while starting (%v); log: %s", m.waitErr, m.LogTail(20))
		case <-deadline.C:
			return fmt.Errorf("manager not ready after 60 s; log: %s", m.LogTail(20))
		case <-tick.C:
		}
	}
}

// Stop sends SIGTERM and waits for the manager to exit, sending SIGKILL after 30 s. A manager that
// is not running is not an error.
func (m *Manager) Stop() error { return m.stop(syscall.SIGTERM) }

// Kill sends SIGKILL (a crash: no deferred status patch, no lease release) and waits for the exit.
func (m *Manager) Kill() error { return m.stop(syscall.SIGKILL) }

// Restart stops the manager gracefully and starts it again with the same flags and ports.
func (m *Manager) Restart(ctx context.Context) error {
	if err := m.Stop(); err != nil {
		return err
	}
	return m.Start(ctx)
}

func (m *Manager) stop(sig syscall.Signal) error {
	m.mu.Lock()
	cmd, exited := m.cmd, m.exited
	m.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	escalated := false
	select {
	case <-exited:
	case <-time.After(stopGrace):
		escalated = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	err := m.waitErr
	m.cmd, m.exited, m.waitErr = nil, nil, nil
	m.closeLog()
	if escalated {
		return fmt.Errorf("manager did not exit within %s of %s; killed", stopGrace, sig)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == sig {
			return nil // killed by the signal we sent, as asked
		}
	}
	return err
}

func (m *Manager) closeLog() {
	if m.logFile != nil {
		_ = m.logFile.Close()
		m.logFile = nil
	}
}

// Running reports whether the manager process is alive.
func (m *Manager) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return false
	}
	select {
	case <-m.exited:
		return false
	default:
		return true
	}
}

// Exited is closed when the current manager process exits (nil when none was started).
func (m *Manager) Exited() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.exited
}

// PID is the manager's process ID, 0 when it is not running.
func (m *Manager) PID() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// MetricsURL is the manager's Prometheus endpoint, http://127.0.0.1:<port>/metrics.
func (m *Manager) MetricsURL() string { return "http://" + m.metricsAddr + "/metrics" }

// ProbeURL is the base URL of the manager's /healthz and /readyz.
func (m *Manager) ProbeURL() string { return "http://" + m.probeAddr }

// LogPath is the file the manager logs to (empty when Options.ManagerLog was given).
func (m *Manager) LogPath() string {
	if m.cfg.log != nil {
		return ""
	}
	return m.cfg.logPath
}

// LogTail returns the last n lines of the manager's log file, for error messages.
func (m *Manager) LogTail(n int) string {
	p := m.LogPath()
	if p == "" {
		return "(log written to Options.ManagerLog)"
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Memory is the manager's resident memory from /proc/<pid>/status, in bytes.
type Memory struct {
	// RSS is VmRSS, resident now; HWM is VmHWM, the peak resident size since the process started.
	RSS, HWM uint64
}

// Memory reads the manager's current and peak resident set size.
func (m *Manager) Memory() (Memory, error) {
	pid := m.PID()
	if pid == 0 {
		return Memory{}, errors.New("manager not running")
	}
	return ProcessMemory(pid)
}

// ProcessMemory reads VmRSS and VmHWM of a process from /proc/<pid>/status.
func ProcessMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	var mem Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(val) // "123456 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			return Memory{}, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return Memory{}, err
		}
		if key == "VmRSS" {
			mem.RSS = kb * 1024
		} else {
			mem.HWM = kb * 1024
		}
	}
	return mem, sc.Err()
}
