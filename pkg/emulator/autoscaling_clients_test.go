package emulator

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// asRequireTool returns the path of an external client the tests drive, or skips the test when it
// is missing on a developer's machine. In CI (CI set) a missing tool fails: .ci/run installs them
// (Debian's awscli and python3-boto; python3 with boto3 and moto comes with the machine).
func asRequireTool(t *testing.T, path string, probe ...string) string {
	t.Helper()
	full, err := exec.LookPath(path)
	if err == nil && len(probe) > 0 {
		err = exec.Command(full, probe...).Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s %s is unavailable in CI (%v); .ci/run must install it", path, strings.Join(probe, " "), err)
		}
		t.Skipf("skipping: %s %s is unavailable (%v); install it to run this test (CI does)", path, strings.Join(probe, " "), err)
	}
	return full
}

// asClientEnv is an environment for external AWS clients that reads no local configuration or
// credentials and never reaches a real AWS endpoint.
func asClientEnv() []string {
	env := []string{"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "BOTO_") {
			env = append(env, kv)
		}
	}
	return env
}

// newASClientServer is an emulator on a manual clock behind a loopback server, for external clients.
func newASClientServer(t *testing.T) (*Emulator, string) {
	t.Helper()
	emu := New(Options{Clock: NewManualClock(asStart), LaunchDelay: 30 * time.Second})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// asRunScript runs a Python test script from testdata against url and fails with its output.
func asRunScript(t *testing.T, python, script, url string) {
	t.Helper()
	cmd := exec.Command(python, "testdata/"+script, url)
	cmd.Env = asClientEnv()
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s failed: %v", script, err)
	}
}

// TestBotocore runs every Auto Scaling action through boto3 1.43 (current botocore).
func TestBotocore(t *testing.T) {
	python := asRequireTool(t, "python3", "-c", "import boto3")
	_, url := newASClientServer(t)
	asRunScript(t, python, "autoscaling_boto3.py", url)
}
