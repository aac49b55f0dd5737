package harness

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/test/fixtures"
)

// FleetLabel marks every object CreateSets makes with the fleet's prefix, so a fleet is listed,
// counted and deleted with one label selector.
const FleetLabel = "harness.autoscale-operator.io/fleet"

// SetTemplate shapes each set CreateSets makes, from the fixtures. The zero value is a
// one-instance group (min 1, max 2) in us-east-1a with the tutorial's CPU trigger.
type SetTemplate struct {
	ImageID      string // default "ami-12345678"
	InstanceType string // default "t3.micro"
	MinSize      int32  // default 1
	MaxSize      int32  // default max(MinSize, 2)
	// AvailabilityZones default to [us-east-1a].
	AvailabilityZones []string
	// NoTrigger leaves the Trigger out of each set.
	NoTrigger bool
}

func (t SetTemplate) withDefaults() SetTemplate {
	if t.ImageID == "" {
		t.ImageID = "ami-12345678"
	}
	if t.InstanceType == "" {
		t.InstanceType = "t3.micro"
	}
	if t.MinSize <= 0 {
		t.MinSize = 1
	}
	if t.MaxSize < t.MinSize {
		t.MaxSize = max(t.MinSize, 2)
	}
	if len(t.AvailabilityZones) == 0 {
		t.AvailabilityZones = []string{Region + "a"}
	}
	return t
}

// Set is one LaunchConfiguration + AutoScalingGroup (+ Trigger) of a fleet. All three share Name.
type Set struct {
	Namespace, Name     string
	LaunchConfiguration *ec2v1alpha1.LaunchConfiguration
	AutoScalingGroup    *ec2v1alpha1.AutoScalingGroup
	Trigger             *ec2v1alpha1.Trigger // nil with SetTemplate.NoTrigger
}

// Objects are the set's objects in creation order (the launch configuration first).
func (s Set) Objects() []client.Object {
	objs := []client.Object{s.LaunchConfiguration, s.AutoScalingGroup}
	if s.Trigger != nil {
		objs = append(objs, s.Trigger)
	}
	return objs
}

// SetName is the name of set i of a fleet: <prefix>-00042.
func SetName(prefix string, i int) string { return fmt.Sprintf("%s-%05d", prefix, i) }

// NewSets builds (does not create) n sets named SetName(prefix, 0..n-1), labelled FleetLabel=prefix.
func NewSets(namespace, prefix string, n int, t SetTemplate) []Set {
	t = t.withDefaults()
	sets := make([]Set, n)
	for i := range sets {
		name := SetName(prefix, i)
		s := Set{Namespace: namespace, Name: name}
		s.LaunchConfiguration = fixtures.LaunchConfiguration(namespace, name)
		s.LaunchConfiguration.Spec.ImageID, s.LaunchConfiguration.Spec.InstanceType = t.ImageID, t.InstanceType
		s.AutoScalingGroup = fixtures.AutoScalingGroup(namespace, name, name, t.MinSize, t.MaxSize)
		s.AutoScalingGroup.Spec.AvailabilityZones = append([]string(nil), t.AvailabilityZones...)
		if !t.NoTrigger {
			s.Trigger = fixtures.Trigger(namespace, name, name)
		}
		for _, obj := range s.Objects() {
			obj.SetLabels(map[string]string{FleetLabel: prefix})
		}
		sets[i] = s
	}
	return sets
}

// CreateSets creates n sets (see NewSets) with parallel requests, as `kubectl apply` of a big
// manifest would, and returns them. An object that already exists is left as it is.
func (e *Env) CreateSets(ctx context.Context, namespace, prefix string, n int, t SetTemplate) ([]Set, error) {
	sets := NewSets(namespace, prefix, n, t)
	return sets, CreateObjects(ctx, e.Client, sets, 16)
}

// CreateObjects creates every object of sets with `parallel` concurrent requests.
func CreateObjects(ctx context.Context, c client.Client, sets []Set, parallel int) error {
	objs := make(chan client.Object)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for obj := range objs {
				if err := c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
					once.Do(func() {
						firstErr = fmt.Errorf("creating %T %s/%s: %w", obj, obj.GetNamespace(), obj.GetName(), err)
						cancel()
					})
				}
			}
		}()
	}
feed:
	for _, s := range sets {
		for _, obj := range s.Objects() {
			select {
			case objs <- obj:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(objs)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// ReadyCounts counts a fleet's objects by kind: how many exist and how many are Ready (Ready=True
// for their current generation).
type ReadyCounts struct {
	LaunchConfigurations, AutoScalingGroups, Triggers                int
	ReadyLaunchConfigurations, ReadyAutoScalingGroups, ReadyTriggers int
}

// Total is the number of objects; Ready the number of Ready ones.
func (r ReadyCounts) Total() int {
	return r.LaunchConfigurations + r.AutoScalingGroups + r.Triggers
}
func (r ReadyCounts) Ready() int {
	return r.ReadyLaunchConfigurations + r.ReadyAutoScalingGroups + r.ReadyTriggers
}

func (r ReadyCounts) String() string {
	return fmt.Sprintf("launch configurations %d/%d, groups %d/%d, triggers %d/%d Ready",
		r.ReadyLaunchConfigurations, r.LaunchConfigurations, r.ReadyAutoScalingGroups, r.AutoScalingGroups,
		r.ReadyTriggers, r.Triggers)
}

// Object is an object of the operator's kinds: its status holds kstatus conditions and
// observedGeneration (the accessors in api/v1alpha1).
type Object interface {
	client.Object
	GetConditions() []metav1.Condition
	GetObservedGeneration() int64
}

// IsReady reports whether obj's Ready condition is True for its current generation.
func IsReady(obj Object) bool {
	c := meta.FindStatusCondition(obj.GetConditions(), ec2v1alpha1.ConditionReady)
	if c == nil || c.Status != metav1.ConditionTrue {
		return false
	}
	if observed := obj.GetObservedGeneration(); observed != 0 && observed != obj.GetGeneration() {
		return false
	}
	return c.ObservedGeneration == 0 || c.ObservedGeneration == obj.GetGeneration()
}

// CountReady lists the fleet's three kinds (one List each, straight from the API server) and
// counts them.
func (e *Env) CountReady(ctx context.Context, namespace, prefix string) (ReadyCounts, error) {
	return CountReady(ctx, e.Client, namespace, prefix)
}

// CountReady is Env.CountReady for any client.
func CountReady(ctx context.Context, c client.Client, namespace, prefix string) (ReadyCounts, error) {
	var r ReadyCounts
	opts := []client.ListOption{client.InNamespace(namespace), client.MatchingLabels{FleetLabel: prefix}}
	for _, kind := range []struct {
		list         client.ObjectList
		total, ready *int
	}{
		{&ec2v1alpha1.LaunchConfigurationList{}, &r.LaunchConfigurations, &r.ReadyLaunchConfigurations},
		{&ec2v1alpha1.AutoScalingGroupList{}, &r.AutoScalingGroups, &r.ReadyAutoScalingGroups},
		{&ec2v1alpha1.TriggerList{}, &r.Triggers, &r.ReadyTriggers},
	} {
		if err := c.List(ctx, kind.list, opts...); err != nil {
			return r, err
		}
		_ = meta.EachListItem(kind.list, func(o runtime.Object) error {
			*kind.total++
			if IsReady(o.(Object)) {
				*kind.ready++
			}
			return nil
		})
	}
	return r, nil
}

// WaitReady polls CountReady every poll until the fleet has `want` objects and all are Ready, and
// returns the last counts. On ctx's end it returns the counts it last saw with the error.
func (e *Env) WaitReady(ctx context.Context, namespace, prefix string, want int, poll time.Duration) (ReadyCounts, error) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var last ReadyCounts
	for {
		r, err := e.CountReady(ctx, namespace, prefix)
		if err == nil {
			last = r
			if r.Total() == want && r.Ready() == want {
				return r, nil
			}
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("fleet %q not Ready (%s): %w", prefix, last, ctx.Err())
		case <-t.C:
		}
	}
}

// DeleteSets deletes every object of the fleet (triggers, then groups, then launch
// configurations, each kind with one DeleteAllOf), leaving the finalizers to the manager.
func (e *Env) DeleteSets(ctx context.Context, namespace, prefix string) error {
	opts := []client.DeleteAllOfOption{client.InNamespace(namespace), client.MatchingLabels{FleetLabel: prefix}}
	for _, obj := range []client.Object{&ec2v1alpha1.Trigger{}, &ec2v1alpha1.AutoScalingGroup{}, &ec2v1alpha1.LaunchConfiguration{}} {
		if err := e.Client.DeleteAllOf(ctx, obj, opts...); err != nil {
			return err
		}
	}
	return nil
}

// WaitGone polls until no object of the fleet is left (the manager has removed its finalizers).
func (e *Env) WaitGone(ctx context.Context, namespace, prefix string, poll time.Duration) error {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		r, err := e.CountReady(ctx, namespace, prefix)
		if err == nil && r.Total() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fleet %q not gone (%s): %w", prefix, r, ctx.Err())
		case <-t.C:
		}
	}
}

// EnsureNamespace creates the namespace unless it exists ("default" always does).
func (e *Env) EnsureNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := e.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}
