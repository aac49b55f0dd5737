package controllers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/fixtures"
)

// The suite runs the real manager (all three reconcilers) against a real kube-apiserver and etcd
// (envtest), and AWS as our emulator (httptest, over HTTP, through the real SDK) or moto_server.
// Assertions read through a direct, uncached client.

const (
	testRegion     = "us-east-1"
	testClusterID  = "test-cluster"
	testSyncPeriod = 2 * time.Second
	// convergeTimeout bounds every Eventually; most converge in a few seconds.
	convergeTimeout = 60 * time.Second
	pollInterval    = 200 * time.Millisecond
)

var (
	testEnv     *envtest.Environment
	restCfg     *rest.Config
	k8s         client.Client
	testScheme  = runtime.NewScheme()
	testMetrics *Metrics
)

func TestEnvtest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "controllers envtest suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	utilruntime.Must(clientgoscheme.AddToScheme(testScheme))
	utilruntime.Must(ec2v1alpha1.AddToScheme(testScheme))

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		testEnv.BinaryAssetsDirectory = filepath.Join("..", "bin", "k8s", "1.37.2-linux-amd64")
	}
	var err error
	restCfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(restCfg, client.Options{Scheme: testScheme})
	Expect(err).NotTo(HaveOccurred())
	testMetrics, err = NewMetrics(prometheus.NewRegistry())
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	stopMoto()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// ---- AWS backends --------------------------------------------------------------------------

// backend is the AWS the manager talks to in one test.
type backend struct {
	name     string
	endpoint string
	// emulator-only
	emu   *emulator.Emulator
	clock *emulator.ManualClock
	gate  *gate
	close func()
}

func (b *backend) isEmulator() bool { return b.emu != nil }

// supportsAlarmTags probes the CloudWatch tagging API (ListTagsForResource), which the operator
// needs to know an alarm's owner across restarts and to orphan alarms.
func (b *backend) supportsAlarmTags() bool {
	cw := cloudwatch.New(cloudwatch.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(b.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{
		ResourceARN: aws.String("arn:aws:cloudwatch:" + testRegion + ":123456789012:alarm:probe"),
	})
	code := cloud.ErrorCode(err)
	return code != "UnknownOperationException" && code != "InvalidAction"
}

// requireAlarmTags skips a test that needs CloudWatch tagging when the emulator lacks it (failing
// under CI, where the gap must not hide).
func requireAlarmTags(b *backend) {
	if b.supportsAlarmTags() {
		return
	}
	msg := "the emulator does not implement CloudWatch ListTagsForResource/TagResource/UntagResource"
	if os.Getenv("CI") != "" {
		Fail(msg)
	}
	Skip(msg)
}

// newEmulatorBackend serves a fresh emulator, on a manual clock, through a gate the restart test
// can close.
func newEmulatorBackend() *backend { return newEmulatorBackendWith(emulator.Options{}) }

// newEmulatorBackendWith is newEmulatorBackend with options (the clock and region are set here).
func newEmulatorBackendWith(opts emulator.Options) *backend {
	clock := emulator.NewManualClock(time.Now().UTC().Truncate(time.Second))
	opts.Clock, opts.DefaultRegion = clock, testRegion
	emu := emulator.New(opts)
	g := &gate{next: emu}
	srv := httptest.NewServer(g)
	return &backend{name: "emulator", endpoint: srv.URL, emu: emu, clock: clock, gate: g, close: func() {
		g.open()
		srv.Close()
	}}
}

var (
	motoOnce     sync.Once
	motoEndpoint string
	motoCmd      *exec.Cmd
	motoErr      error
)

// motoBackend returns the suite's moto_server (started on first use on a free loopback port), or
// skips the test when moto_server is not installed, unless CI is set.
func motoBackend() *backend {
	motoOnce.Do(func() {
		path, err := exec.LookPath("moto_server")
		if err != nil {
			motoErr = fmt.Errorf("moto_server not on PATH: %w", err)
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			motoErr = err
			return
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		motoCmd = exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		motoCmd.Stdout, motoCmd.Stderr = GinkgoWriter, GinkgoWriter
		motoCmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if motoErr = motoCmd.Start(); motoErr != nil {
			return
		}
		motoEndpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if resp, err := http.Get(motoEndpoint + "/moto-api/"); err == nil {
				_ = resp.Body.Close()
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		motoErr = fmt.Errorf("moto_server did not answer on %s", motoEndpoint)
	})
	if motoErr != nil {
		if os.Getenv("CI") != "" {
			Fail("moto_server is required under CI: " + motoErr.Error())
		}
		Skip("moto_server unavailable, skipping the moto variant: " + motoErr.Error())
	}
	return &backend{name: "moto", endpoint: motoEndpoint, close: func() {}}
}

func stopMoto() {
	if motoCmd != nil && motoCmd.Process != nil {
		_ = syscall.Kill(-motoCmd.Process.Pid, syscall.SIGTERM)
		_, _ = motoCmd.Process.Wait()
	}
}

// gate passes requests to the emulator until it is tripped: after the first successful call of
// the trip action it hangs every later request (until reopened) and reports it, so a test can
// stop the manager between an AWS create and anything after it, the way a crash would.
type gate struct {
	next http.Handler

	mu      sync.Mutex
	trip    string
	tripped chan struct{}
	closed  chan struct{} // non-nil while closed; closing it releases hung requests
}

// armAfter trips the gate after the next successful call of action; it returns a channel closed then.
func (g *gate) armAfter(action string) <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.trip = action
	g.tripped = make(chan struct{})
	return g.tripped
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
	g.trip = ""
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := requestAction(r)
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed != nil {
		select {
		case <-closed:
		case <-r.Context().Done():
		}
		http.Error(w, "the test closed the gate", http.StatusServiceUnavailable)
		return
	}
	rec := httptest.NewRecorder()
	g.next.ServeHTTP(rec, r)
	g.mu.Lock()
	if g.trip != "" && action == g.trip && rec.Code == http.StatusOK && g.closed == nil {
		g.closed = make(chan struct{})
		close(g.tripped)
		g.trip = ""
	}
	g.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// requestAction names the API action of a request in any of the three protocols.
func requestAction(r *http.Request) string {
	if i := strings.Index(r.URL.Path, "/operation/"); i >= 0 {
		return r.URL.Path[i+len("/operation/"):]
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	return form.Get("Action")
}

// ---- the manager ---------------------------------------------------------------------------

// harness is one test's world: a namespace, an AWS backend, and a manager watching only that
// namespace (so tests cannot disturb each other), restartable.
type harness struct {
	ns      string
	aws     *backend
	cancel  context.CancelFunc
	done    chan error
	started int
	// view reads AWS for assertions with caches off.
	view cloud.Services
}

func newHarness(b *backend) *harness {
	h := &harness{ns: fmt.Sprintf("t-%s-%06d", b.name, rand.IntN(1_000_000)), aws: b}
	Expect(k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: h.ns}})).To(Succeed())
	p, err := cloud.NewProvider(context.Background(), providerOptions(b.endpoint, time.Nanosecond))
	Expect(err).NotTo(HaveOccurred())
	h.view = p.Services(cloud.Location{Region: testRegion})
	return h
}

func providerOptions(endpoint string, cacheTTL time.Duration) cloud.ProviderOptions {
	return cloud.ProviderOptions{
		Region:               testRegion,
		Endpoint:             endpoint,
		Credentials:          credentials.NewStaticCredentialsProvider("test", "test", ""),
		ActivityPollInterval: 500 * time.Millisecond,
		CacheTTL:             cacheTTL,
		RateLimit:            -1,
	}
}

// start runs a manager, as the binary does, with a fresh provider (a restarted process has no caches).
func (h *harness) start() {
	GinkgoHelper()
	Expect(h.cancel).To(BeNil(), "manager already running")
	// A short cache TTL: tests delete groups behind the manager's back, and a cached user of a
	// launch configuration holds its deletion until the entry expires (5 minutes by default).
	provider, err := cloud.NewProvider(context.Background(), providerOptions(h.aws.endpoint, 5*time.Second))
	Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(restCfg, ctrl.Options{
		Scheme:                  testScheme,
		Cache:                   cache.Options{DefaultNamespaces: map[string]cache.Config{h.ns: {}}},
		Metrics:                 metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:  "0",
		Controller:              config.Controller{SkipNameValidation: ptr.To(true)},
		GracefulShutdownTimeout: ptr.To(10 * time.Second),
	})
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	Expect(Setup(ctx, mgr, Options{
		Cloud:                   provider,
		DefaultRegion:           testRegion,
		ClusterID:               testClusterID,
		SyncPeriod:              testSyncPeriod,
		MaxConcurrentReconciles: 2,
		Metrics:                 testMetrics,
		SkipNameValidation:      true,
	})).To(Succeed())
	h.cancel = cancel
	h.done = make(chan error, 1)
	h.started++
	go func() {
		defer GinkgoRecover()
		h.done <- mgr.Start(ctx)
	}()
}

// stop stops the manager and waits until it has.
func (h *harness) stop() {
	GinkgoHelper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	Eventually(h.done, 30*time.Second).Should(Receive(BeNil()))
	h.cancel = nil
}

// cleanup deletes what the test left, lets the manager finish, then stops it and the backend.
func (h *harness) cleanup() {
	ctx := context.Background()
	if h.cancel != nil {
		_ = k8s.DeleteAllOf(ctx, &ec2v1alpha1.Trigger{}, client.InNamespace(h.ns))
		_ = k8s.DeleteAllOf(ctx, &ec2v1alpha1.AutoScalingGroup{}, client.InNamespace(h.ns))
		_ = k8s.DeleteAllOf(ctx, &ec2v1alpha1.LaunchConfiguration{}, client.InNamespace(h.ns))
		if h.aws.isEmulator() {
			h.aws.gate.open()
			h.aws.emu.Faults().Clear()
		}
		// Best effort: leave moto clean for the next test; a failure here is not the test's.
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if h.aws.isEmulator() {
				h.aws.clock.Advance(time.Minute)
			}
			n := 0
			for _, l := range []client.ObjectList{&ec2v1alpha1.TriggerList{}, &ec2v1alpha1.AutoScalingGroupList{}, &ec2v1alpha1.LaunchConfigurationList{}} {
				if err := k8s.List(ctx, l, client.InNamespace(h.ns)); err == nil {
					n += meta.LenList(l)
				}
			}
			if n == 0 {
				break
			}
			time.Sleep(pollInterval)
		}
	}
	h.stop()
	// Release anything still holding a finalizer, so the namespace can go.
	for _, l := range []client.ObjectList{&ec2v1alpha1.TriggerList{}, &ec2v1alpha1.AutoScalingGroupList{}, &ec2v1alpha1.LaunchConfigurationList{}} {
		if err := k8s.List(ctx, l, client.InNamespace(h.ns)); err == nil {
			_ = meta.EachListItem(l, func(o runtime.Object) error {
				obj := o.(client.Object)
				obj.SetFinalizers(nil)
				_ = k8s.Update(ctx, obj)
				return nil
			})
		}
	}
	_ = k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: h.ns}})
	h.aws.close()
}

// ---- objects -------------------------------------------------------------------------------

func (h *harness) launchConfiguration(name string, mut ...func(*ec2v1alpha1.LaunchConfiguration)) *ec2v1alpha1.LaunchConfiguration {
	return with(fixtures.LaunchConfiguration(h.ns, name), mut)
}

func (h *harness) group(name, lcName string, min, max int32, mut ...func(*ec2v1alpha1.AutoScalingGroup)) *ec2v1alpha1.AutoScalingGroup {
	return with(fixtures.AutoScalingGroup(h.ns, name, lcName, min, max), mut)
}

func (h *harness) trigger(name, groupName string, mut ...func(*ec2v1alpha1.Trigger)) *ec2v1alpha1.Trigger {
	return with(fixtures.Trigger(h.ns, name, groupName), mut)
}

func with[T any](obj T, mut []func(T)) T {
	for _, m := range mut {
		m(obj)
	}
	return obj
}

// uniqueName gives AWS-global names (groups) a per-test suffix so tests sharing moto never collide.
func (h *harness) uniqueName(base string) string {
	return base + "-" + h.ns[strings.LastIndex(h.ns, "-")+1:]
}

func create(obj client.Object) {
	GinkgoHelper()
	Expect(k8s.Create(context.Background(), obj)).To(Succeed())
}

// update re-reads obj and applies mut, retrying on conflicts.
func update[T client.Object](obj T, mut func(T)) {
	GinkgoHelper()
	Eventually(func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mut(obj)
		return k8s.Update(context.Background(), obj)
	}, 10*time.Second, pollInterval).Should(Succeed())
}

func get[T client.Object](obj T) T {
	GinkgoHelper()
	Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	return obj
}

func deleteObj(obj client.Object) {
	GinkgoHelper()
	Expect(client.IgnoreNotFound(k8s.Delete(context.Background(), obj))).To(Succeed())
}

// gone succeeds once obj no longer exists.
func gone(obj client.Object) func() bool {
	return func() bool {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		return apierrors.IsNotFound(err)
	}
}

// readyCondition returns obj's Ready condition, read fresh.
func readyCondition(obj object) func() *metav1.Condition {
	return func() *metav1.Condition {
		o := obj.DeepCopyObject().(object)
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), o); err != nil {
			return nil
		}
		return meta.FindStatusCondition(o.GetConditions(), ec2v1alpha1.ConditionReady)
	}
}

// waitReady waits until obj is Ready for its current generation, and returns how long it took.
func waitReady(obj object, tick ...func()) time.Duration {
	GinkgoHelper()
	start := time.Now()
	Eventually(func(g Gomega) {
		for _, t := range tick {
			t()
		}
		o := obj.DeepCopyObject().(object)
		g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), o)).To(Succeed())
		c := meta.FindStatusCondition(o.GetConditions(), ec2v1alpha1.ConditionReady)
		g.Expect(c).NotTo(BeNil(), "no Ready condition yet")
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "Ready: %s: %s", c.Reason, c.Message)
		g.Expect(o.GetObservedGeneration()).To(Equal(o.GetGeneration()))
	}, convergeTimeout, pollInterval).Should(Succeed())
	d := time.Since(start)
	GinkgoWriter.Printf("%s %s Ready after %s\n", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), d.Round(time.Millisecond))
	return d
}

// events lists the Events about the named object, optionally of one reason.
func (h *harness) events(name, reason string) []eventsv1.Event {
	GinkgoHelper()
	var list eventsv1.EventList
	Expect(k8s.List(context.Background(), &list, client.InNamespace(h.ns))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name && (reason == "" || e.Reason == reason) {
			out = append(out, e)
		}
	}
	return out
}

// eventCount counts occurrences, series included.
func eventCount(evs []eventsv1.Event) int {
	n := 0
	for _, e := range evs {
		if e.Series != nil {
			n += int(e.Series.Count)
		} else {
			n++
		}
	}
	return n
}

// tickClock returns a function that moves the emulator's clock by d, for waitReady and Eventually.
func (h *harness) tickClock(d time.Duration) func() {
	return func() {
		if h.aws.isEmulator() {
			h.aws.clock.Advance(d)
		}
	}
}
