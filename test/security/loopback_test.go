package security

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// nonLoopbackIPv4 is an address of this machine other than loopback, or "" when it has none.
func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	return ""
}

// checkLoopbackOnly asserts endpoint's host is 127.0.0.1 and that its port does not answer on
// the machine's other address (so the process bound loopback, not every interface).
func checkLoopbackOnly(t *testing.T, what, endpoint string) {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("%s printed %q: %v", what, endpoint, err)
	}
	if u.Hostname() != "127.0.0.1" {
		t.Errorf("%s listens on %s, want 127.0.0.1 by default", what, u.Host)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		t.Fatalf("%s does not answer on %s: %v", what, u.Host, err)
	}
	conn.Close()
	if ip := nonLoopbackIPv4(t); ip != "" {
		other := net.JoinHostPort(ip, u.Port())
		if conn, err := net.DialTimeout("tcp", other, 2*time.Second); err == nil {
			conn.Close()
			t.Errorf("%s also answers on %s: it binds more than loopback", what, other)
		}
	} else {
		t.Logf("no non-loopback address on this machine; checked the printed address only")
	}
}

// startAndReadURL starts cmd, waits for a line matching re on its stdout or stderr and returns the
// first submatch. The process is killed when the test ends.
func startAndReadURL(t *testing.T, cmd *exec.Cmd, re *regexp.Regexp) (string, error) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	var lines []string
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				return
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			return "", errors.New("exited without printing its address:\n" + strings.Join(lines, "\n"))
		}
		return u, nil
	case <-time.After(60 * time.Second):
		return "", errors.New("printed no address within 60 s")
	}
}

// TestEmulatorBindsLoopbackByDefault runs cmd/autoscale-emulator with no --addr: it must listen on
// 127.0.0.1 and nowhere else.
func TestEmulatorBindsLoopbackByDefault(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "autoscale-emulator")
	build := exec.Command("go", "build", "-o", bin, "./cmd/autoscale-emulator")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/autoscale-emulator: %v\n%s", err, out)
	}
	// The default port is fixed (4566); when another emulator holds it, the error names the
	// address it tried, which must be loopback all the same.
	cmd := exec.Command(bin)
	endpoint, err := startAndReadURL(t, cmd, regexp.MustCompile(`listening on (http://\S+)`))
	if err != nil {
		if m := regexp.MustCompile(`listen on (\S+):`).FindStringSubmatch(err.Error()); m != nil && strings.Contains(err.Error(), "address already in use") {
			if host, _, _ := net.SplitHostPort(m[1]); host != "127.0.0.1" {
				t.Errorf("the emulator's default address is %s, want 127.0.0.1", m[1])
			}
			t.Logf("default port busy; the default address %s is loopback", m[1])
			return
		}
		t.Fatal(err)
	}
	checkLoopbackOnly(t, "autoscale-emulator", endpoint)
}

// TestManagerEmbeddedEmulatorBindsLoopbackByDefault runs bin/manager --embedded-emulator without
// --emulator-addr against a kubeconfig whose API server does not answer (the emulator starts
// before the manager talks to the cluster, so no control plane is needed): the manager must log
// an endpoint on 127.0.0.1, and the port must not answer on the machine's other address.
func TestManagerEmbeddedEmulatorBindsLoopbackByDefault(t *testing.T) {
	bin, err := harness.BuildManager(repoRoot(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(unreachableKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "--embedded-emulator", "--kubeconfig", kubeconfig,
		"--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=127.0.0.1:0")
	cmd.Env = []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + kubeconfig, "AWS_EC2_METADATA_DISABLED=true"}
	endpoint, err := startAndReadURL(t, cmd, regexp.MustCompile(`embedded emulator listening.*"endpoint":\s*"(http://[^"]+)"`))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(endpoint)
	if u.Hostname() != "127.0.0.1" {
		t.Errorf("the embedded emulator listens on %s, want 127.0.0.1 by default", u.Host)
	}
	// The process may already be on its way out (no cluster); while it is up, make sure the port
	// is not reachable from outside.
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		conn.Close()
		checkLoopbackOnly(t, "the embedded emulator", endpoint)
	}
}

// unreachableKubeconfig names an API server on a port nothing listens on.
const unreachableKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster:
    server: https://127.0.0.1:1
    insecure-skip-tls-verify: true
users:
- name: nobody
  user:
    token: none
contexts:
- name: nowhere
  context:
    cluster: nowhere
    user: nobody
current-context: nowhere
`
