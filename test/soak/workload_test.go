package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

func createNamespace(ctx context.Context, env *harness.Env, name string) error {
	return env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

// set is what the workload wants of one name: which of its three objects should exist.
type set struct {
	name               string
	lc, group, trigger bool
}

// opCounts counts operations by kind.
type opCounts map[string]int

func (o opCounts) total() int {
	n := 0
	for _, v := range o {
		n += v
	}
	return n
}

func (o opCounts) String() string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, o[k])
	}
	return strings.Join(parts, ", ")
}

// workload makes random changes to sets of objects and remembers what it wants to exist.
type workload struct {
	env  *harness.Env
	c    client.Client
	ns   string
	rng  *rand.Rand
	sets map[string]*set
	// used holds every name ever given to a set: AWS resources of those names are ours.
	used []string
	next int
	ops  opCounts
}

func newWorkload(env *harness.Env, ns string, rng *rand.Rand) *workload {
	return &workload{env: env, c: env.Client, ns: ns, rng: rng, sets: map[string]*set{}, ops: opCounts{}}
}

var (
	images        = []string{"ami-12345678", "ami-0abcdef1234567890", "ami-0123456789abcdef0"}
	instanceTypes = []string{"t3.micro", "t3.small", "m5.large"}
	zones         = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
)

func (w *workload) pick(xs []string) string { return xs[w.rng.IntN(len(xs))] }

func (w *workload) lcSpec(spec *ec2v1alpha1.LaunchConfigurationSpec) {
	spec.ImageID = w.pick(images)
	spec.InstanceType = w.pick(instanceTypes)
	spec.UserData = nil
	if w.rng.IntN(2) == 0 {
		spec.UserData = ptr.To(fmt.Sprintf("#!/bin/sh\necho %d\n", w.rng.IntN(1000)))
	}
}

func (w *workload) groupSpec(spec *ec2v1alpha1.AutoScalingGroupSpec) {
	spec.MinSize = int32(w.rng.IntN(3))
	spec.MaxSize = max(spec.MinSize+int32(w.rng.IntN(3)), 1)
	spec.DesiredCapacity = nil
	if w.rng.IntN(2) == 0 {
		spec.DesiredCapacity = ptr.To(spec.MinSize + int32(w.rng.IntN(int(spec.MaxSize-spec.MinSize)+1)))
	}
	zs := slices.Clone(zones)
	w.rng.Shuffle(len(zs), func(i, j int) { zs[i], zs[j] = zs[j], zs[i] })
	spec.AvailabilityZones = zs[:1+w.rng.IntN(len(zs))]
}

// triggerSpec keeps the emulator's default load (20 % CPU) between the thresholds, so alarms stay
// OK and groups settle.
func (w *workload) triggerSpec(spec *ec2v1alpha1.TriggerSpec) {
	spec.MetricName, spec.Namespace, spec.Statistic, spec.Unit = "CPUUtilization", "AWS/EC2", "Average", "Percent"
	spec.Period = 60
	spec.BreachDuration = 60 * int32(1+w.rng.IntN(6))
	spec.LowerThreshold = float64(5 + w.rng.IntN(10))
	spec.UpperThreshold = float64(70 + w.rng.IntN(20))
	spec.UpperBreachScaleIncrement = w.pick([]string{"1", "2", "10%"})
	spec.LowerBreachScaleIncrement = w.pick([]string{"-1", "-2", "-10%"})
}

func (w *workload) meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: w.ns, Name: name}
}

func (w *workload) newLC(name string) *ec2v1alpha1.LaunchConfiguration {
	lc := &ec2v1alpha1.LaunchConfiguration{ObjectMeta: w.meta(name)}
	w.lcSpec(&lc.Spec)
	return lc
}

func (w *workload) newGroup(name string) *ec2v1alpha1.AutoScalingGroup {
	g := &ec2v1alpha1.AutoScalingGroup{ObjectMeta: w.meta(name)}
	g.Spec.LaunchConfigurationRef.Name = name
	w.groupSpec(&g.Spec)
	return g
}

func (w *workload) newTrigger(name string) *ec2v1alpha1.Trigger {
	tr := &ec2v1alpha1.Trigger{ObjectMeta: w.meta(name)}
	tr.Spec.AutoScalingGroupRef.Name = name
	w.triggerSpec(&tr.Spec)
	return tr
}

// run makes a random change every 0.2-1.2 s until ctx ends.
func (w *workload) run(ctx context.Context, t *testing.T, maxSets int) {
	for sleep(ctx, time.Duration(200+w.rng.IntN(1000))*time.Millisecond) {
		if err := w.step(ctx, maxSets); err != nil && ctx.Err() == nil {
			t.Fatalf("operation failed: %v", err)
		}
	}
}

func (w *workload) liveSets(filter func(*set) bool) []*set {
	var out []*set
	for _, s := range w.sets {
		if filter(s) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (w *workload) step(ctx context.Context, maxSets int) error {
	type op struct {
		name   string
		weight int
		sets   []*set
		do     func(context.Context, *set) error
	}
	all := w.liveSets(func(*set) bool { return true })
	ops := []op{
		{"update launch configuration", 3, w.liveSets(func(s *set) bool { return s.lc }), w.updateLC},
		{"update group", 3, w.liveSets(func(s *set) bool { return s.group }), w.updateGroup},
		{"update trigger", 2, w.liveSets(func(s *set) bool { return s.trigger }), w.updateTrigger},
		{"delete trigger", 1, w.liveSets(func(s *set) bool { return s.trigger }), w.deleteTrigger},
		{"create trigger", 1, w.liveSets(func(s *set) bool { return s.group && !s.trigger }), w.createTrigger},
		{"delete group", 1, w.liveSets(func(s *set) bool { return s.group }), w.deleteGroup},
		{"create group", 1, w.liveSets(func(s *set) bool { return s.lc && !s.group }), w.createGroup},
		{"delete set", 2, all, w.deleteSet},
	}
	if len(all) < maxSets {
		weight := 3
		if len(all) < maxSets/2 {
			weight = 8
		}
		ops = append(ops, op{"create set", weight, []*set{nil}, func(ctx context.Context, _ *set) error { return w.createSet(ctx) }})
	}
	total := 0
	for _, o := range ops {
		if len(o.sets) > 0 {
			total += o.weight
		}
	}
	r := w.rng.IntN(total)
	for _, o := range ops {
		if len(o.sets) == 0 {
			continue
		}
		if r >= o.weight {
			r -= o.weight
			continue
		}
		s := o.sets[w.rng.IntN(len(o.sets))]
		if err := o.do(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		w.ops[o.name]++
		return nil
	}
	return nil
}

// createSet creates a new set's three objects in random order (a group before its launch
// configuration waits for it; a trigger before its group too).
func (w *workload) createSet(ctx context.Context) error {
	name := fmt.Sprintf("s%04d", w.next)
	w.next++
	w.used = append(w.used, name)
	objs := []client.Object{w.newLC(name), w.newGroup(name), w.newTrigger(name)}
	w.rng.Shuffle(len(objs), func(i, j int) { objs[i], objs[j] = objs[j], objs[i] })
	for _, o := range objs {
		if err := w.c.Create(ctx, o); err != nil {
			return err
		}
	}
	w.sets[name] = &set{name: name, lc: true, group: true, trigger: true}
	return nil
}

// update reads obj, mutates it and writes it back, again on a conflict (the manager patches too).
func (w *workload) update(ctx context.Context, obj client.Object, mutate func()) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := w.c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate()
		return w.c.Update(ctx, obj)
	})
}

func (w *workload) updateLC(ctx context.Context, s *set) error {
	lc := &ec2v1alpha1.LaunchConfiguration{ObjectMeta: w.meta(s.name)}
	return w.update(ctx, lc, func() { w.lcSpec(&lc.Spec) })
}

func (w *workload) updateGroup(ctx context.Context, s *set) error {
	g := &ec2v1alpha1.AutoScalingGroup{ObjectMeta: w.meta(s.name)}
	return w.update(ctx, g, func() { w.groupSpec(&g.Spec) })
}

func (w *workload) updateTrigger(ctx context.Context, s *set) error {
	tr := &ec2v1alpha1.Trigger{ObjectMeta: w.meta(s.name)}
	return w.update(ctx, tr, func() { w.triggerSpec(&tr.Spec) })
}

func (w *workload) delete(ctx context.Context, objs ...client.Object) error {
	w.rng.Shuffle(len(objs), func(i, j int) { objs[i], objs[j] = objs[j], objs[i] })
	for _, o := range objs {
		if err := client.IgnoreNotFound(w.c.Delete(ctx, o)); err != nil {
			return err
		}
	}
	return nil
}

func (w *workload) deleteTrigger(ctx context.Context, s *set) error {
	s.trigger = false
	return w.delete(ctx, &ec2v1alpha1.Trigger{ObjectMeta: w.meta(s.name)})
}

// deleteGroup deletes the group and its trigger, which cannot be Ready without it.
func (w *workload) deleteGroup(ctx context.Context, s *set) error {
	objs := []client.Object{&ec2v1alpha1.AutoScalingGroup{ObjectMeta: w.meta(s.name)}}
	if s.trigger {
		objs = append(objs, &ec2v1alpha1.Trigger{ObjectMeta: w.meta(s.name)})
	}
	s.group, s.trigger = false, false
	return w.delete(ctx, objs...)
}

func (w *workload) deleteSet(ctx context.Context, s *set) error {
	var objs []client.Object
	if s.lc {
		objs = append(objs, &ec2v1alpha1.LaunchConfiguration{ObjectMeta: w.meta(s.name)})
	}
	if s.group {
		objs = append(objs, &ec2v1alpha1.AutoScalingGroup{ObjectMeta: w.meta(s.name)})
	}
	if s.trigger {
		objs = append(objs, &ec2v1alpha1.Trigger{ObjectMeta: w.meta(s.name)})
	}
	delete(w.sets, s.name)
	return w.delete(ctx, objs...)
}

// createTrigger and createGroup bring back an object deleted earlier, under the same name. While
// the old one still waits for its finalizer the create fails with AlreadyExists: no change then.
func (w *workload) createTrigger(ctx context.Context, s *set) error {
	err := w.c.Create(ctx, w.newTrigger(s.name))
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	s.trigger = err == nil
	return err
}

func (w *workload) createGroup(ctx context.Context, s *set) error {
	err := w.c.Create(ctx, w.newGroup(s.name))
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	s.group = err == nil
	return err
}
