// Command demo runs boto's Autoscale tutorial on the embedded default: test/harness starts a local
// control plane (kube-apiserver + etcd built by hack/build-control-plane.sh) with the CRDs, and
// bin/manager with its embedded emulator. The demo applies config/samples, narrates what the group
// does, then applies the tutorial's trigger step and drives it by setting the emulated CPU load
// high, then low.
//
// No step waits forever: each has a deadline (--wait-timeout), and on expiry the demo says what it
// was waiting for and what it saw last, in the cluster and in AWS, tears everything down and exits
// non-zero. Run it with `make demo`; Ctrl-C tears everything down.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// lookTimeout bounds one look at the cluster or AWS, so a hung request cannot outlast a deadline.
const lookTimeout = 10 * time.Second

type config struct {
	assets    string
	manager   string
	timeScale float64
	keep      bool
	wait      time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.assets, "assets", os.Getenv("KUBEBUILDER_ASSETS"), "directory with kube-apiserver, etcd and kubectl")
	flag.StringVar(&cfg.manager, "manager", "bin/manager", "manager binary")
	flag.Float64Var(&cfg.timeScale, "time-scale", 20, "emulated seconds per wall second")
	flag.BoolVar(&cfg.keep, "keep", false, "keep everything running after the story ends, until Ctrl-C")
	flag.DurationVar(&cfg.wait, "wait-timeout", 3*time.Minute, "give up when a step of the story has not happened by then")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

type demo struct {
	start   time.Time
	env     *harness.Env
	kubectl string
	wait    time.Duration
}

func (d *demo) say(format string, a ...any) {
	fmt.Printf("[%5.1fs] %s\n", time.Since(d.start).Seconds(), fmt.Sprintf(format, a...))
}

func run(ctx context.Context, cfg config) error {
	if cfg.assets == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set: run `make demo`, which builds the control plane first")
	}
	d := &demo{start: time.Now(), kubectl: filepath.Join(cfg.assets, "kubectl"), wait: cfg.wait}
	fmt.Printf("autoscale-operator demo: boto's Autoscale tutorial on a local control plane and the embedded emulator.\n")
	fmt.Printf("Time is compressed: the emulator's clock runs %gx faster than wall time (a 6-minute breach takes %.0f s).\n\n", cfg.timeScale, 360/cfg.timeScale)

	env, err := harness.Start(ctx, harness.Options{
		Assets:           cfg.assets,
		ManagerBinary:    cfg.manager,
		SyncPeriod:       5 * time.Second,
		EmbeddedEmulator: true,
		ManagerArgs:      []string{fmt.Sprintf("--emulator-time-scale=%g", cfg.timeScale), "--emulator-launch-delay=30s"},
	})
	if err != nil {
		if ctx.Err() != nil {
			d.say("interrupted while starting; what had started is torn down")
			return nil
		}
		return fmt.Errorf("starting the control plane and %s (run `make demo`, which builds both): %w", cfg.manager, err)
	}
	d.env = env
	defer func() {
		d.say("tearing down: manager, kube-apiserver, etcd")
		if err := env.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "demo: tearing down:", err)
		}
	}()
	d.say("control plane up: kube-apiserver and etcd from %s, CRDs installed", cfg.assets)
	d.say("manager running (log: %s), its embedded emulator at %s", env.Manager.LogPath(), env.EmulatorURL)
	fmt.Printf("\n  While it runs, paste these in another terminal:\n")
	fmt.Printf("    export KUBECONFIG=%s PATH=%s:$PATH\n", env.Kubeconfig, cfg.assets)
	fmt.Printf("    kubectl get autoscale; kubectl describe asg my-group\n\n")

	// The story stops early when the manager dies: nothing it waits for could happen any more.
	storyCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-env.Manager.Exited():
			cancel(errors.New("the manager exited"))
		case <-storyCtx.Done():
		}
	}()
	if err := d.story(storyCtx); err != nil {
		if ctx.Err() != nil {
			d.say("interrupted")
			return nil
		}
		if logTail := env.Manager.LogTail(20); logTail != "" {
			fmt.Fprintf(os.Stderr, "last lines of the manager's log:\n%s\n", logTail)
		}
		return err
	}
	if cfg.keep {
		d.say("the story is over; everything keeps running until Ctrl-C")
		<-ctx.Done()
	}
	return nil
}

func (d *demo) story(ctx context.Context) error {
	fmt.Println("Step 1 - the tutorial's create_launch_configuration(lc) and create_auto_scaling_group(ag):")
	fmt.Println("         kubectl apply -k config/samples/group")
	if err := d.kubectlRun(ctx, "apply", "-k", "config/samples/group"); err != nil {
		return err
	}
	g, err := d.watchGroup(ctx, "4 instances InService and their 4 launch activities in status", func(g *ec2v1alpha1.AutoScalingGroup) bool {
		return g.Status.InServiceCount >= 4 && ready(g.Status.Conditions) && launchesDone(g) >= 4
	})
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
	if g, err = d.watchGroup(ctx, "the group to scale up to 8, with the alarm named in the newest activity's cause", func(g *ec2v1alpha1.AutoScalingGroup) bool {
		return g.Status.InServiceCount >= 8 && ready(g.Status.Conditions) && newestCauseMentions(g, "alarm")
	}); err != nil {
		return err
	}
	fmt.Println("\n         the newest activities: the trigger's alarm and policy in the cause")
	printActivities(g, 3)

	d.say("setting the emulated instances' CPU load to 10%%")
	if err := d.setLoad(ctx, 10); err != nil {
		return err
	}
	if g, err = d.watchGroup(ctx, "the group to scale back down to 4, the newest activity a termination", func(g *ec2v1alpha1.AutoScalingGroup) bool {
		return g.Status.DesiredCapacity != nil && *g.Status.DesiredCapacity == 4 &&
			g.Status.InstanceCounts["InService"] == 4 && len(g.Status.Instances) == 4 && ready(g.Status.Conditions) &&
			strings.HasPrefix(newestDescription(g), "Terminating")
	}); err != nil {
		return err
	}
	fmt.Println("\n         the newest activities:")
	printActivities(g, 3)
	fmt.Println()
	d.say("the group scaled 4 -> 8 -> 4 on CPU load, as the tutorial's trigger describes")
	return nil
}

// await calls look every half second until it reports done. It gives up after the wait timeout,
// or when ctx ends, with an error that says what it waited for, what look saw last and what AWS
// holds.
func (d *demo) await(ctx context.Context, what string, look func(ctx context.Context) (done bool, seen string)) error {
	deadline := time.NewTimer(d.wait)
	defer deadline.Stop()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	seen := "nothing yet"
	for {
		lookCtx, cancel := context.WithTimeout(ctx, lookTimeout)
		done, s := look(lookCtx)
		cancel()
		if s != "" {
			seen = s
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting for %s: %v\n  last seen: %s%s", what, context.Cause(ctx), seen, d.awsView())
		case <-deadline.C:
			return fmt.Errorf("waited %s for %s, in vain\n  last seen: %s%s", d.wait, what, seen, d.awsView())
		case <-tick.C:
		}
	}
}

// watchGroup prints each change of the group (and of its trigger, once there is one) until done
// says it is finished, and returns the group as it was then.
func (d *demo) watchGroup(ctx context.Context, what string, done func(*ec2v1alpha1.AutoScalingGroup) bool) (*ec2v1alpha1.AutoScalingGroup, error) {
	var last, lastTrigger string
	var g *ec2v1alpha1.AutoScalingGroup
	err := d.await(ctx, what, func(ctx context.Context) (bool, string) {
		tr := &ec2v1alpha1.Trigger{}
		if err := d.get(ctx, "my-trigger", tr); err == nil {
			if line := triggerLine(tr); line != lastTrigger {
				d.say("%s", line)
				lastTrigger = line
			}
		}
		cur := &ec2v1alpha1.AutoScalingGroup{}
		if err := d.get(ctx, "my-group", cur); err != nil {
			return false, fmt.Sprintf("reading my-group: %v", err)
		}
		if line := groupLine(cur); line != last {
			d.say("%s", line)
			last = line
		}
		g = cur
		seen := fmt.Sprintf("%s; %d activities in status (%d successful launches)", last, len(cur.Status.Activities), launchesDone(cur))
		if lastTrigger != "" {
			seen += "; " + lastTrigger
		}
		return done(cur), seen
	})
	return g, err
}

func (d *demo) waitTrigger(ctx context.Context) error {
	return d.await(ctx, "my-trigger to be Ready", func(ctx context.Context) (bool, string) {
		tr := &ec2v1alpha1.Trigger{}
		if err := d.get(ctx, "my-trigger", tr); err != nil {
			return false, fmt.Sprintf("reading my-trigger: %v", err)
		}
		if !ready(tr.Status.Conditions) {
			return false, "my-trigger: " + readyLine(tr.Status.Conditions)
		}
		d.say("my-trigger Ready: policies %s and %s, alarms %s and %s", short(tr.Status.UpperPolicyARN), short(tr.Status.LowerPolicyARN),
			alarmName(tr.Status.UpperAlarm), alarmName(tr.Status.LowerAlarm))
		return true, ""
	})
}

func (d *demo) get(ctx context.Context, name string, obj harness.Object) error {
	return d.env.Client.Get(ctx, types.NamespacedName{Namespace: "default", Name: name}, obj)
}

// awsView is what AWS (the manager's embedded emulator) holds of my-group's scaling activities,
// and the calls the operator made, for a report of a wait that failed.
func (d *demo) awsView() string {
	ctx, cancel := context.WithTimeout(context.Background(), lookTimeout)
	defer cancel()
	as := autoscaling.New(autoscaling.Options{
		Region:       harness.Region,
		BaseEndpoint: aws.String(d.env.EmulatorURL),
		Credentials:  credentials.NewStaticCredentialsProvider("demo", "demo", ""),
	})
	var b strings.Builder
	out, err := as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("my-group")})
	if err != nil {
		fmt.Fprintf(&b, "\n  AWS: DescribeScalingActivities for my-group failed: %v", err)
	} else {
		byStatus := map[string]int{}
		for _, a := range out.Activities {
			byStatus[string(a.StatusCode)]++
		}
		fmt.Fprintf(&b, "\n  AWS: DescribeScalingActivities lists %d activities for my-group %v", len(out.Activities), byStatus)
	}
	var calls map[string]int64
	if err := d.emulatorJSON(ctx, http.MethodGet, "calls", nil, &calls); err != nil {
		fmt.Fprintf(&b, "\n  emulator calls: %v", err)
	} else {
		var parts []string
		for _, action := range slices.Sorted(maps.Keys(calls)) {
			parts = append(parts, fmt.Sprintf("%s %d", action, calls[action]))
		}
		fmt.Fprintf(&b, "\n  emulator calls so far: %s", strings.Join(parts, ", "))
	}
	return b.String()
}

func (d *demo) setLoad(ctx context.Context, cpu float64) error {
	ctx, cancel := context.WithTimeout(ctx, lookTimeout)
	defer cancel()
	body := map[string]any{"region": harness.Region, "group": "my-group", "cpu": cpu}
	if err := d.emulatorJSON(ctx, http.MethodPost, "load", body, nil); err != nil {
		return fmt.Errorf("setting the emulated load: %w", err)
	}
	return nil
}

// emulatorJSON calls the emulator's admin API, /_emulator/<path>.
func (d *demo) emulatorJSON(ctx context.Context, method, path string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, d.env.EmulatorURL+"/_emulator/"+path, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("emulator answered %s", resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (d *demo) kubectlRun(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.kubectl, append([]string{"--kubeconfig", d.env.Kubeconfig}, args...)...)
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
	return fmt.Sprintf("my-group: min %d max %d desired %s; %s; %s", g.Spec.MinSize, g.Spec.MaxSize, desired, strings.Join(states, ", "), readyLine(g.Status.Conditions))
}

func readyLine(conds []metav1.Condition) string {
	c := meta.FindStatusCondition(conds, ec2v1alpha1.ConditionReady)
	if c == nil {
		return "Ready=Unknown"
	}
	return fmt.Sprintf("Ready=%s (%s)", c.Status, c.Reason)
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

// launchesDone counts the successful launch activities in the group's status.
func launchesDone(g *ec2v1alpha1.AutoScalingGroup) int {
	done := 0
	for _, a := range g.Status.Activities {
		if strings.HasPrefix(a.Description, "Launching") && a.StatusCode == "Successful" {
			done++
		}
	}
	return done
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
