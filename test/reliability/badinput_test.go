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
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// TestInputAWSRejects feeds the operator specs the API server accepts but AWS rejects. Each
// object must end Stalled (reason InvalidSpec) with AWS's code and message in its Ready
// condition and one Warning Event, observedGeneration caught up (the generation is handled: it
// cannot work), no further create attempts while the spec stays the same, and Ready soon after
// the spec is fixed.
func TestInputAWSRejects(t *testing.T) {
	cases := []struct {
		name string
		// spoil makes the set invalid for AWS; fix repairs it (on the object read back).
		spoil func(*harness.Set)
		fix   func(client.Object)
		// culprit is the object AWS rejects; action the AWS call that it rejects.
		culprit func(harness.Set) client.Object
		action  string
		message string
	}{
		{
			name:    "unknown image",
			spoil:   func(s *harness.Set) { s.LaunchConfiguration.Spec.ImageID = unknownImage },
			fix:     func(o client.Object) { o.(*ec2v1alpha1.LaunchConfiguration).Spec.ImageID = "ami-12345678" },
			culprit: func(s harness.Set) client.Object { return s.LaunchConfiguration },
			action:  "CreateLaunchConfiguration",
			message: "AWS ValidationError: AMI " + unknownImage + " is invalid: The image id '[" + unknownImage + "]' does not exist",
		},
		{
			name:  "zone of another region",
			spoil: func(s *harness.Set) { s.AutoScalingGroup.Spec.AvailabilityZones = []string{"eu-west-1a"} },
			fix: func(o client.Object) {
				o.(*ec2v1alpha1.AutoScalingGroup).Spec.AvailabilityZones = []string{"us-east-1a"}
			},
			culprit: func(s harness.Set) client.Object { return s.AutoScalingGroup },
			action:  "CreateAutoScalingGroup",
			message: "AWS ValidationError: Invalid Availability Zone: eu-west-1a.",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t, 3*time.Minute)
			ns := newNamespace(t)
			s := newSet(ns, unique("bad"), harness.SetTemplate{})
			tc.spoil(&s)
			must(t, harness.CreateObjects(ctx, k8s, []harness.Set{s}, 1))
			obj := tc.culprit(s)

			eventually(ctx, t, 60*time.Second, "the object to stall with AWS's message", func() error {
				cur := obj.DeepCopyObject().(harness.Object)
				if err := get(ctx, cur); err != nil {
					return err
				}
				ready, stalled := condition(cur, ec2v1alpha1.ConditionReady), condition(cur, ec2v1alpha1.ConditionStalled)
				if ready == nil || ready.Status != metav1.ConditionFalse || ready.Reason != ec2v1alpha1.ReasonInvalidSpec ||
					!strings.HasPrefix(ready.Message, tc.message) {
					return fmt.Errorf("Ready is %+v", ready)
				}
				if stalled == nil || stalled.Status != metav1.ConditionTrue || stalled.Message != ready.Message {
					return fmt.Errorf("Stalled is %+v", stalled)
				}
				if og := cur.GetObservedGeneration(); og != cur.GetGeneration() {
					return fmt.Errorf("observedGeneration %d, generation %d", og, cur.GetGeneration())
				}
				return nil
			})

			// The same spec cannot succeed: no create may be retried, however long we wait.
			before := env.Emulator.Calls()
			window := 4 * syncPeriod
			time.Sleep(window)
			after := env.Emulator.Calls()
			if n := after[tc.action] - before[tc.action]; n > 0 {
				t.Errorf("%d %s calls in %s after AWS rejected the spec: retried although nothing changed", n, tc.action, window)
			}
			t.Logf("in %s of the stall: %d AWS calls in all (every object included)", window, totalCalls(after)-totalCalls(before))

			warnings := warningEvents(ctx, t, ns, obj.GetName(), ec2v1alpha1.ReasonInvalidSpec)
			if len(warnings) != 1 || warnings[0].Count > 1 || !strings.HasPrefix(warnings[0].Message, tc.message) {
				t.Errorf("Warning Events %s: %+v, want exactly one, with AWS's message", ec2v1alpha1.ReasonInvalidSpec, warnings)
			}

			cur := obj.DeepCopyObject().(client.Object)
			must(t, get(ctx, cur))
			tc.fix(cur)
			must(t, k8s.Update(ctx, cur))
			waitSetReady(ctx, t, s, 90*time.Second)
			deleteObjects(ctx, t, s.Trigger, s.AutoScalingGroup, s.LaunchConfiguration)
			waitGone(ctx, t, 90*time.Second, s.Objects()...)
		})
	}
}

// warningEvents lists the Warning Events with reason about the named object of namespace ns.
func warningEvents(ctx context.Context, t *testing.T, ns, name, reason string) []corev1.Event {
	t.Helper()
	var list corev1.EventList
	must(t, k8s.List(ctx, &list, client.InNamespace(ns)))
	var out []corev1.Event
	for _, e := range list.Items {
		if e.Type == corev1.EventTypeWarning && e.Reason == reason && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out
}
