package reliability

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// TestDeleteDuringCreation deletes a whole set while one of its AWS creates is in flight (the
// emulator holds that call for 3 s), launch configuration first, the worst order. The create
// completes in AWS after the deletion started; the operator must still remove everything.
func TestDeleteDuringCreation(t *testing.T) {
	for _, action := range createCalls {
		t.Run(action, func(t *testing.T) {
			ctx := testContext(t, 3*time.Minute)
			ns := newNamespace(t)
			clearFaults(t)
			s := newSet(ns, unique("dc"), harness.SetTemplate{})

			env.Emulator.Faults().Set(action, emulator.FaultRule{Latency: 3 * time.Second})
			before := env.Emulator.Calls()[action]
			must(t, harness.CreateObjects(ctx, k8s, []harness.Set{s}, 1))
			eventually(ctx, t, 60*time.Second, action+" to reach AWS", func() error {
				if env.Emulator.Calls()[action] == before {
					return fmt.Errorf("no %s yet", action)
				}
				return nil
			})
			// The call is now sleeping in the emulator; AWS will carry it out after we delete.
			deleteObjects(ctx, t, s.LaunchConfiguration, s.AutoScalingGroup, s.Trigger)
			waitGone(ctx, t, 90*time.Second, s.Objects()...)
			waitAWSClean(ctx, t, 30*time.Second, s)
		})
	}
}

// TestDeleteWhenAWSResourcesAreAlreadyGone removes a Ready set's AWS resources behind the
// operator's back while the manager is down, then deletes the objects: deletion must finish
// without recreating anything.
func TestDeleteWhenAWSResourcesAreAlreadyGone(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	ns := newNamespace(t)
	s := newSet(ns, unique("gone"), harness.SetTemplate{})
	createSetReady(ctx, t, s)

	// With the manager down, the periodic sync cannot recreate what we remove (which it would do,
	// rightly, for an object that is not being deleted).
	must(t, env.Manager.Stop())
	removeBehindTheBack(ctx, t, s)
	deleteObjects(ctx, t, s.Trigger, s.AutoScalingGroup, s.LaunchConfiguration)
	before := env.Emulator.Calls()
	must(t, env.Manager.Start(ctx))

	waitGone(ctx, t, 30*time.Second, s.Objects()...)
	after := env.Emulator.Calls()
	for _, a := range createCalls {
		if after[a] != before[a] {
			t.Errorf("%d %s calls while deleting objects whose AWS resources were gone", after[a]-before[a], a)
		}
	}
	for _, a := range []string{"DeleteAutoScalingGroup", "DeleteLaunchConfiguration", "DeleteAlarms", "DeletePolicy"} {
		if n := after[a] - before[a]; n != 0 {
			t.Logf("%d %s calls (answered with not-found)", n, a)
		}
	}
	waitAWSClean(ctx, t, 5*time.Second, s)
}

// TestDeleteWhileAWSFails deletes a Ready set while every AWS call fails. The objects must wait
// (finalizers held, resources intact, the AWS error in their conditions), retry at a bounded
// rate, and finish once AWS recovers.
func TestDeleteWhileAWSFails(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	ns := newNamespace(t)
	clearFaults(t)
	s := newSet(ns, unique("fail"), harness.SetTemplate{})
	createSetReady(ctx, t, s)

	env.Emulator.Faults().Set("*", emulator.FaultRule{ErrorRate: 1, Code: "InternalFailure"})
	start := env.Emulator.Calls()
	deleteObjects(ctx, t, s.Trigger, s.AutoScalingGroup, s.LaunchConfiguration)

	// The error shows on the object being deleted first (the trigger; the others may wait for it).
	eventually(ctx, t, 60*time.Second, "the AWS error on the trigger", func() error {
		tr := s.Trigger.DeepCopy()
		if err := get(ctx, tr); err != nil {
			return err
		}
		c := condition(tr, ec2v1alpha1.ConditionReady)
		if c == nil || c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "InternalFailure") {
			return fmt.Errorf("Ready is %+v", c)
		}
		return nil
	})
	outage := 20 * time.Second
	consistently(ctx, t, outage, "the objects and their AWS resources during the outage", func() error {
		for _, o := range s.Objects() {
			if err := get(ctx, o.DeepCopyObject().(client.Object)); err != nil {
				return fmt.Errorf("%T %s: %v", o, o.GetName(), err)
			}
		}
		if _, ok := region().Groups[s.Name]; !ok {
			return fmt.Errorf("group %s is gone although every AWS call fails", s.Name)
		}
		return nil
	})
	during := env.Emulator.Calls()
	attempts := totalCalls(during) - totalCalls(start)
	t.Logf("%d AWS attempts in the first %s+ of the outage, all failed", attempts, outage)
	if attempts == 0 {
		t.Error("no AWS attempt during the outage: deletion is not retried")
	}
	// Three objects, each reconcile at most 5 attempts (the SDK's retries), reconciles backing off
	// from 1 s: a hot loop would make thousands.
	if limit := int64(150); attempts > limit {
		t.Errorf("%d AWS attempts during the outage, want at most %d: retries do not back off", attempts, limit)
	}

	env.Emulator.Faults().Clear()
	recovered := time.Now()
	waitGone(ctx, t, 2*time.Minute, s.Objects()...)
	waitAWSClean(ctx, t, 10*time.Second, s)
	t.Logf("deletion finished %s after AWS recovered", time.Since(recovered).Round(time.Second))
}

// TestLaunchConfigurationInUseWaits deletes a launch configuration its group still uses: the
// deletion waits with reason InUse naming the group, and finishes once the group is deleted.
func TestLaunchConfigurationInUseWaits(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	ns := newNamespace(t)
	s := newSet(ns, unique("inuse"), harness.SetTemplate{NoTrigger: true})
	createSetReady(ctx, t, s)
	lcName := s.LaunchConfiguration.DeepCopy()
	must(t, get(ctx, lcName))
	awsName := lcName.Status.AWSName

	deleteObjects(ctx, t, s.LaunchConfiguration)
	eventually(ctx, t, 30*time.Second, "the launch configuration to wait with reason InUse", func() error {
		lc := s.LaunchConfiguration.DeepCopy()
		if err := get(ctx, lc); err != nil {
			return err
		}
		c := condition(lc, ec2v1alpha1.ConditionReady)
		if c == nil || c.Reason != ec2v1alpha1.ReasonInUse || !strings.Contains(c.Message, s.AutoScalingGroup.Name) {
			return fmt.Errorf("Ready is %+v", c)
		}
		return nil
	})
	consistently(ctx, t, 2*syncPeriod, "the launch configuration while its group uses it", func() error {
		if _, ok := region().LaunchConfigurations[awsName]; !ok {
			return fmt.Errorf("launch configuration %s deleted while group %s uses it", awsName, s.AutoScalingGroup.Name)
		}
		return get(ctx, s.LaunchConfiguration.DeepCopy())
	})

	deleteObjects(ctx, t, s.AutoScalingGroup)
	waitGone(ctx, t, 90*time.Second, s.Objects()...)
	waitAWSClean(ctx, t, 10*time.Second, s)
}

// TestNamespaceDeletionCleansUp deletes a namespace holding two sets. envtest runs no namespace
// controller, so the namespace stays Terminating; the test does what that controller does (a
// DeleteCollection of every namespaced resource, in discovery order rather than a friendly one)
// and checks that the operator, working in a Terminating namespace, removes every AWS resource
// and lets every object go. (The controller would then remove the namespace's own finalizer.)
func TestNamespaceDeletionCleansUp(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	ns := newNamespace(t)
	prefix := unique("ns")
	sets := harness.NewSets(ns, prefix, 2, harness.SetTemplate{})
	must(t, harness.CreateObjects(ctx, k8s, sets, 4))
	waitFleetReady(ctx, t, ns, prefix, 6, 90*time.Second)

	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	must(t, k8s.Delete(ctx, nsObj))
	must(t, get(ctx, nsObj))
	if nsObj.Status.Phase != corev1.NamespaceTerminating {
		t.Fatalf("namespace %s is %s after deletion, want Terminating", ns, nsObj.Status.Phase)
	}
	before := env.Emulator.Calls()
	for _, kind := range []client.Object{&ec2v1alpha1.LaunchConfiguration{}, &ec2v1alpha1.AutoScalingGroup{}, &ec2v1alpha1.Trigger{}} {
		must(t, k8s.DeleteAllOf(ctx, kind, client.InNamespace(ns)))
	}
	var all []client.Object
	for _, s := range sets {
		all = append(all, s.Objects()...)
	}
	waitGone(ctx, t, 2*time.Minute, all...)
	waitAWSClean(ctx, t, 10*time.Second, sets...)
	after := env.Emulator.Calls()
	for _, a := range createCalls {
		if after[a] != before[a] {
			t.Errorf("%d %s calls while the namespace was being deleted", after[a]-before[a], a)
		}
	}
}

// TestOrphanLeavesResourcesUntagged deletes a set whose objects say deletionPolicy: Orphan: the
// objects go, and AWS keeps the group (with its instances and the user's tags), the launch
// configuration, the policies and the alarms, without the operator's owner tag.
func TestOrphanLeavesResourcesUntagged(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	ns := newNamespace(t)
	s := newSet(ns, unique("orphan"), harness.SetTemplate{})
	s.LaunchConfiguration.Spec.DeletionPolicy = ec2v1alpha1.DeletionPolicyOrphan
	s.AutoScalingGroup.Spec.DeletionPolicy = ec2v1alpha1.DeletionPolicyOrphan
	s.AutoScalingGroup.Spec.Tags = []ec2v1alpha1.Tag{{Key: "team", Value: "web"}}
	s.Trigger.Spec.DeletionPolicy = ec2v1alpha1.DeletionPolicyOrphan
	createSetReady(ctx, t, s)
	t.Cleanup(func() { removeBehindTheBack(context.Background(), t, s) })

	lc := s.LaunchConfiguration.DeepCopy()
	must(t, get(ctx, lc))
	tr := s.Trigger.DeepCopy()
	must(t, get(ctx, tr))
	before := region()
	g := before.Groups[s.Name]
	if g.Tags[ownerTagKey] != ownerTag(ns, s.Name) {
		t.Fatalf("group %s has tags %v before deletion, want the owner tag", s.Name, g.Tags)
	}

	deleteObjects(ctx, t, s.Trigger, s.AutoScalingGroup, s.LaunchConfiguration)
	waitGone(ctx, t, 60*time.Second, s.Objects()...)

	after := region()
	ga, ok := after.Groups[s.Name]
	switch {
	case !ok:
		t.Errorf("group %s was deleted, want it orphaned", s.Name)
	default:
		if _, tagged := ga.Tags[ownerTagKey]; tagged {
			t.Errorf("orphaned group %s keeps the owner tag: %v", s.Name, ga.Tags)
		}
		if ga.Tags["team"] != "web" {
			t.Errorf("orphaned group %s lost the user's tag team=web: %v", s.Name, ga.Tags)
		}
		if len(ga.Instances) != len(g.Instances) || ga.DesiredCapacity != g.DesiredCapacity {
			t.Errorf("orphaned group %s changed: %d instances (desired %d), was %d (desired %d)",
				s.Name, len(ga.Instances), ga.DesiredCapacity, len(g.Instances), g.DesiredCapacity)
		}
		if len(ga.Policies) != 2 {
			t.Errorf("orphaned group %s has %d scaling policies, want the trigger's 2", s.Name, len(ga.Policies))
		}
	}
	if _, ok := after.LaunchConfigurations[lc.Status.AWSName]; !ok {
		t.Errorf("launch configuration %s was deleted, want it orphaned", lc.Status.AWSName)
	}
	_, cw := awsClients()
	for _, name := range []string{tr.Status.UpperAlarm.Name, tr.Status.LowerAlarm.Name} {
		var found *emulator.AlarmSnapshot
		for i := range after.Alarms {
			if after.Alarms[i].Name == name {
				found = &after.Alarms[i]
			}
		}
		if found == nil {
			t.Errorf("alarm %s was deleted, want it orphaned", name)
			continue
		}
		if tags := alarmTags(ctx, t, cw, found.ARN); tags[ownerTagKey] != "" {
			t.Errorf("orphaned alarm %s keeps the owner tag: %v", name, tags)
		}
	}
}
