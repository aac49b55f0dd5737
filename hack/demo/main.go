// Command demo runs boto's Autoscale tutorial on the embedded default: a local control plane
// (kube-apiserver + etcd built by hack/build-control-plane.sh), the CRDs, and bin/manager with its
// embedded emulator. It applies config/samples, narrates what the group does, then applies the
// tutorial's trigger step and drives it by setting the emulated CPU load high, then low.
//
// Run it with `make demo`; Ctrl-C tears everything down.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

func main() {
	var (
		assets    = flag.String("assets", os.Getenv("KUBEBUILDER_ASSETS"), "directory with kube-apiserver, etcd and kubectl")
		manager   = flag.String("manager", "bin/manager", "manager binary")
		timeScale = flag.Float64("time-scale", 20, "emulated seconds per wall second")
		keep      = flag.Bool("keep", false, "keep everything running after the story ends, until Ctrl-C")
		timeout   = flag.Duration("timeout", 5*time.Minute, "give up when the story has not finished by then")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *assets, *manager, *timeScale, *keep, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

type demo struct {
	start     time.Time
	c         client.Client
	kubectl   string
	kubecfg   string
	emulator  string
	timeScale float64
}

func (d *demo) say(format string, a ...any) {
	fmt.Printf("[%5.1fs] %s\n", time.Since(d.start).Seconds(), fmt.Sprintf(format, a...))
}

func run(ctx context.Context, assets, manager string, timeScale float64, keep bool, timeout time.Duration) error {
	if assets == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set: run `make demo`, which builds the control plane first")
	}
	d := &demo{start: time.Now(), kubectl: filepath.Join(assets, "kubectl"), timeScale: timeScale}
	fmt.Printf("autoscale-operator demo: boto's Autoscale tutorial on a local control plane and the embedded emulator.\n")
	fmt.Printf("Time is compressed: the emulator's clock runs %gx faster than wall time (a 6-minute breach takes %.0f s).\n\n", timeScale, 360/timeScale)

	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	if _, err := env.Start(); err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "demo: stopping the control plane:", err)
		}
	}()
	user, err := env.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "autoscale-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kc, err := user.KubeConfig()
	if err != nil {
		return err
	}
	d.kubecfg = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(d.kubecfg, kc, 0o600); err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = ec2v1alpha1.AddToScheme(scheme)
	if d.c, err = client.New(user.Config(), client.Options{Scheme: scheme}); err != nil {
		return err
	}
	d.say("control plane up: kube-apiserver and etcd from %s, CRDs installed", assets)

	emuAddr, err := freeAddr()
	if err != nil {
		return err
	}
	probeAddr, err := freeAddr()
	if err != nil {
		return err
	}
	d.emulator = "http://" + emuAddr
	mgr := exec.Command(manager,
		"--kubeconfig", d.kubecfg,
		"--embedded-emulator", "--emulator-addr", emuAddr,
		fmt.Sprintf("--emulator-time-scale=%g", timeScale),
		"--emulator-launch-delay", "30s",
		"--sync-period", "5s",
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", probeAddr,
	)
	logPath := filepath.Join(dir, "manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	mgr.Stdout, mgr.Stderr = logFile, logFile
	// Own process group, so Ctrl-C in the terminal reaches us first and we stop it in order.
	mgr.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := mgr.Start(); err != nil {
		return fmt.Errorf("starting %s (run `make demo`, which builds it): %w", manager, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- mgr.Wait() }()
	defer func() {
		_ = syscall.Kill(-mgr.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-mgr.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}()
	d.say("manager running (log: %s), its embedded emulator at %s", logPath, d.emulator)
	fmt.Printf("\n  While it runs, paste these in another terminal:\n")
	fmt.Printf("    export KUBECONFIG=%s PATH=%s:$PATH\n", d.kubecfg, assets)
	fmt.Printf("    kubectl get autoscale; kubectl describe asg my-group\n\n")

	interrupted := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	go func() {
		select {
		case err := <-exited:
			exited <- err
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := d.story(ctx); err != nil {
		if interrupted.Err() != nil {
			d.say("interrupted: tearing down manager, kube-apiserver, etcd")
			return nil
		}
		if logTail := tail(logPath, 20); logTail != "" {
			fmt.Fprintf(os.Stderr, "last lines of the manager's log:\n%s\n", logTail)
		}
		return err
	}
	if keep {
		d.say("the story is over; everything keeps running until Ctrl-C")
		<-interrupted.Done()
	}
	d.say("tearing down: manager, kube-apiserver, etcd")
	return nil
}

func (d *demo) story(ctx context.Context) error {
	fmt.Println("Step 1 - the tutorial's create_launch_configuration(lc) and create_auto_scaling_group(ag):")
	fmt.Println("         kubectl apply -k config/samples/group")
	if err := d.kubectlRun(ctx, "apply", "-k", "config/samples/group"); err != nil {
		return err
	}
	if err := d.watchGroup(ctx, func(g *ec2v1alpha1.AutoScalingGroup) bool {
		return g.Status.InServiceCount >= 4 && ready(g.Status.Conditions) && launchesDone(g, 4)
	}); err != nil {
		return fmt.Errorf("waiting for 4 instances InService and their launch activities: %w", err)
	}
	g, err := d.group(ctx)
	if err != nil {
		return err
	}
	fmt.Println("\n         ag.get_activities()  (kubectl get asg my-group -o jsonpath='{.status.activities}'):")
	printActivities(g, 8)

	fmt.Println("\nStep 2 - the tutorial's trigger: max_size 8, scale up by 10 when average CPU > 80% for 6 minutes,")
	fmt.Println("         down by 5 when < 40%:  kubectl apply -k config/samples/trigger")
	if err := d.kubectlRun(ctx, "apply", "-k", "config/samples/trigger"); err != nil {
		return err
	}
	if err := d.waitTrigger(ctx); err != nil {
		return err
	}
	d.say("setting the emulated instances' CPU load to 90%%")
	if err := d.setLoad(ctx, 90); err != nil {
		return err
	}
	if err := d.watchGroup(ctx, func(g *ec2v1alpha1.AutoScalingGroup) bool {
		return g.Status.InServiceCount >= 8 && ready(g.Status.Conditions) && newestCauseMentions(g, "alarm")
	}); err != nil {
		return fmt.Errorf("waiting for the group to scale up to 8: %w", err)
	}
	if g, err = d.group(ctx); err != nil {
		return err
	}
	fmt.Println("\n         the newest activities: the trigger's alarm and policy in the cause")
	printActivities(g, 3)

	d.say("setting the emulated instances' CPU load to 10%%")
	if err := d.setLoad(ctx, 10); err != nil {
		return err
	}
	if err := d.watchGroup(ctx, func(g *ec2v1alpha1.AutoScalingGroup) bool {
		return g.Status.DesiredCapacity != nil && *g.Status.DesiredCapacity == 4 &&
			g.Status.InstanceCounts["InService"] == 4 && len(g.Status.Instances) == 4 && ready(g.Status.Conditions) &&
			strings.HasPrefix(newestDescription(g), "Terminating")
	}); err != nil {
		return fmt.Errorf("waiting for the group to scale back down to 4: %w", err)
	}
	if g, err = d.group(ctx); err != nil {
		return err
	}
	fmt.Println("\n         the newest activities:")
	printActivities(g, 3)
	fmt.Println()
	d.say("the group scaled 4 -> 8 -> 4 on CPU load, as the tutorial's trigger describes")
	return nil
}

func (d *demo) group(ctx context.Context) (*ec2v1alpha1.AutoScalingGroup, error) {
	g := &ec2v1alpha1.AutoScalingGroup{}
	return g, d.c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "my-group"}, g)
}

// watchGroup prints each change of the group's instances and alarms until done says it is finished.
func (d *demo) watchGroup(ctx context.Context, done func(*ec2v1alpha1.AutoScalingGroup) bool) error {
	last := ""
	lastTrigger := ""
	for {
		g, err := d.group(ctx)
		if err == nil {
			if line := groupLine(g); line != last {
				d.say("%s", line)
				last = line
			}
			if done(g) {
				return nil
			}
		}
		tr := &ec2v1alpha1.Trigger{}
		if err := d.c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "my-trigger"}, tr); err == nil {
			if line := triggerLine(tr); line != lastTrigger {
				d.say("%s", line)
				lastTrigger = line
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (d *demo) waitTrigger(ctx context.Context) error {
	for {
		tr := &ec2v1alpha1.Trigger{}
		if err := d.c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "my-trigger"}, tr); err == nil && ready(tr.Status.Conditions) {
			d.say("my-trigger Ready: policies %s and %s, alarms %s and %s", short(tr.Status.UpperPolicyARN), short(tr.Status.LowerPolicyARN),
				alarmName(tr.Status.UpperAlarm), alarmName(tr.Status.LowerAlarm))
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for my-trigger to be Ready: %w", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (d *demo) setLoad(ctx context.Context, cpu float64) error {
	body, _ := json.Marshal(map[string]any{"region": "us-east-1", "group": "my-group", "cpu": cpu})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.emulator+"/_emulator/load", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("setting the emulated load: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("setting the emulated load: emulator answered %s", resp.Status)
	}
	return nil
}

func (d *demo) kubectlRun(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, d.kubectl, append([]string{"--kubeconfig", d.kubecfg}, args...)...)
	out, err := cmd.CombinedOutput()
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			d.say("kubectl: %s", l)
		}
	}
	if err != nil {
		return fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

func groupLine(g *ec2v1alpha1.AutoScalingGroup) string {
	desired := "-"
	if g.Status.DesiredCapacity != nil {
		desired = fmt.Sprint(*g.Status.DesiredCapacity)
	}
	states := make([]string, 0, len(g.Status.InstanceCounts))
	for s, n := range g.Status.InstanceCounts {
		states = append(states, fmt.Sprintf("%d %s", n, s))
	}
	sort.Strings(states)
	if len(states) == 0 {
		states = []string{"no instances"}
	}
	readyStatus := "Ready=Unknown"
	if c := meta.FindStatusCondition(g.Status.Conditions, ec2v1alpha1.ConditionReady); c != nil {
		readyStatus = fmt.Sprintf("Ready=%s (%s)", c.Status, c.Reason)
	}
	return fmt.Sprintf("my-group: min %d max %d desired %s; %s; %s", g.Spec.MinSize, g.Spec.MaxSize, desired, strings.Join(states, ", "), readyStatus)
}

func triggerLine(t *ec2v1alpha1.Trigger) string {
	state := func(a *ec2v1alpha1.AlarmStatus) string {
		if a == nil || a.State == "" {
			return "?"
		}
		return a.State
	}
	return fmt.Sprintf("my-trigger: %s (upper alarm %s, lower alarm %s)", t.Status.State, state(t.Status.UpperAlarm), state(t.Status.LowerAlarm))
}

func printActivities(g *ec2v1alpha1.AutoScalingGroup, n int) {
	for i, a := range g.Status.Activities {
		if i == n {
			fmt.Printf("           ... %d more in status.activities\n", len(g.Status.Activities)-n)
			break
		}
		fmt.Printf("           Activity:%s status:%s progress:%d\n", a.Description, a.StatusCode, a.Progress)
		if a.Cause != "" {
			fmt.Printf("             cause: %s\n", a.Cause)
		}
	}
}

// launchesDone says the group's status shows n successful launch activities. The operator reads
// activities from AWS on its own poll, so they can trail the instances' states by a few seconds.
func launchesDone(g *ec2v1alpha1.AutoScalingGroup, n int) bool {
	done := 0
	for _, a := range g.Status.Activities {
		if strings.HasPrefix(a.Description, "Launching") && a.StatusCode == "Successful" {
			done++
		}
	}
	return done >= n
}

func newestCauseMentions(g *ec2v1alpha1.AutoScalingGroup, word string) bool {
	return len(g.Status.Activities) > 0 && strings.Contains(g.Status.Activities[0].Cause, word)
}

func newestDescription(g *ec2v1alpha1.AutoScalingGroup) string {
	if len(g.Status.Activities) == 0 {
		return ""
	}
	return g.Status.Activities[0].Description
}

func ready(conds []metav1.Condition) bool {
	return meta.IsStatusConditionTrue(conds, ec2v1alpha1.ConditionReady)
}

func alarmName(a *ec2v1alpha1.AlarmStatus) string {
	if a == nil {
		return "?"
	}
	return a.Name
}

func short(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
