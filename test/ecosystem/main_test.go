// Package ecosystem checks that the operator fits the tools people run it with, against a real
// control plane, the emulator and bin/manager (test/harness): `kubectl scale` on a group, the
// Grafana dashboard and the alert rules naming only metrics the manager exports, and the Helm
// chart (lint, template applied server-side, the same objects as config/default, and generated
// from it).
package ecosystem

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// syncPeriod of the manager under test: short, so enforcement of the spec is seen quickly.
const syncPeriod = 3 * time.Second

// maxInstances is the emulator's instance quota: the tests together stay well below it.
const maxInstances = 12

var (
	env  *harness.Env
	root string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var err error
	if root, err = harness.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env, err = harness.Start(ctx, harness.Options{
		SyncPeriod: syncPeriod,
		// Leader election on, as deployed, so the leader metric the NoLeader alert reads exists.
		ManagerArgs: []string{"--leader-elect=true", "--leader-election-namespace=default"},
		Emulator: emulator.Options{
			LaunchDelay: time.Second, TerminationDelay: time.Second,
			// Room for the tests' instances, so a group scaled past it has failed launches.
			Limits: emulator.Limits{MaxNumberOfAutoScalingGroups: 100, MaxNumberOfLaunchConfigurations: 100, MaxInstances: maxInstances},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the environment:", err)
		return 1
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- manager log (last 60 lines) ---\n%s\n", env.Manager.LogTail(60))
	}
	if err := env.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "closing the environment:", err)
	}
	return code
}

// kubectl runs the control plane's kubectl against the environment and returns its combined output.
func kubectl(args ...string) (string, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, "bin", "k8s", harness.K8sVersion+"-linux-amd64")
	}
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(assets, "kubectl"), append([]string{"--kubeconfig", env.Kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
