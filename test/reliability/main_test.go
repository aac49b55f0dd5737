// Package reliability checks what the operator promises when things go wrong: deletion is safe
// whatever state AWS is in, a throttling storm slows the operator down instead of making it spin,
// and input AWS rejects stalls the object with AWS's own words instead of retrying hot.
//
// One environment serves the package (test/harness: envtest, the emulator in-process, bin/manager
// as a subprocess); each test works in its own namespace, with its own object names (Auto Scaling
// group names are account-wide), and clears the faults it injected.
package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// syncPeriod of the manager under test: short, so the periodic paths run during a test.
const syncPeriod = 5 * time.Second

// unknownImage is an AMI the emulator reports as nonexistent, as AWS does for an AMI that is not
// in the account's region.
const unknownImage = "ami-0badbadbadbadbad0"

var (
	env *harness.Env
	k8s client.Client
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	env, err = harness.Start(ctx, harness.Options{
		SyncPeriod: syncPeriod,
		Emulator: emulator.Options{
			LaunchDelay:      time.Second,
			TerminationDelay: time.Second,
			ImageExists:      func(id string) bool { return id != unknownImage },
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the environment:", err)
		return 1
	}
	k8s = env.Client
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- manager log (last 60 lines) ---\n%s\n", env.Manager.LogTail(60))
	}
	if err := env.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "closing the environment:", err)
	}
	return code
}

// newNamespace creates a namespace for one test, named after it.
func newNamespace(t *testing.T) string {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	name = strings.Trim(name, "-") + "-" + hex.EncodeToString(b)
	must(t, k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
	return name
}

// clearFaults removes every fault rule when the test ends.
func clearFaults(t *testing.T) {
	t.Cleanup(env.Emulator.Faults().Clear)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls f every 200 ms until it returns nil, failing the test with f's last error when
// ctx ends or timeout passes.
func eventually(ctx context.Context, t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	if err := poll(ctx, timeout, f); err != nil {
		t.Fatalf("waiting %s for %s: %v", timeout, what, err)
	}
}

func poll(ctx context.Context, timeout time.Duration, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = f(); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// consistently polls f for d and fails the test the first time it returns an error.
func consistently(ctx context.Context, t *testing.T, d time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := f(); err != nil {
			t.Fatalf("%s stopped holding: %v", what, err)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// awsClients talk to the emulator directly, the way someone acting behind the operator's back would.
func awsClients() (*autoscaling.Client, *cloudwatch.Client) {
	cfg := aws.Config{
		Region:      harness.Region,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	as := autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { o.BaseEndpoint = aws.String(env.EmulatorURL) })
	cw := cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(env.EmulatorURL) })
	return as, cw
}

// region is the emulator's state of the harness's region.
func region() emulator.RegionSnapshot {
	return env.Emulator.Snapshot().Regions[harness.Region]
}

// ownerTag is the value of the owner tag of an object's AWS resources (the harness's manager runs
// with the default --cluster-id).
func ownerTag(namespace, name string) string { return "default/" + namespace + "/" + name }

// condition returns obj's condition of type, or nil.
func condition(obj harness.Object, condType string) *metav1.Condition {
	return meta.FindStatusCondition(obj.GetConditions(), condType)
}

// get reads obj fresh from the API server.
func get(ctx context.Context, obj client.Object) error {
	return k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
}

// totalCalls sums every action's counter (attempts), leaving out the per-error-code counters.
func totalCalls(calls map[string]int64) int64 {
	var n int64
	for k, v := range calls {
		if !strings.Contains(k, ":") {
			n += v
		}
	}
	return n
}
