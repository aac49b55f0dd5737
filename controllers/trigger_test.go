package controllers

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// Triggers need CloudWatch, which moto does not speak in the SDK's CBOR protocol: emulator only.
var _ = Describe("Trigger lifecycle", func() {
	var h *harness
	BeforeEach(func() {
		h = newHarness(newEmulatorBackend())
		h.start()
	})
	AfterEach(func() { h.cleanup() })

	setup := func(deletion ec2v1alpha1.DeletionPolicy) (*ec2v1alpha1.AutoScalingGroup, *ec2v1alpha1.Trigger) {
		create(h.launchConfiguration("lc"))
		g := h.group("scaled", "lc", 1, 4)
		create(g)
		tr := h.trigger("cpu", "scaled", func(t *ec2v1alpha1.Trigger) {
			t.Spec.DeletionPolicy = deletion
			t.Spec.Dimensions = nil // defaults to the group
			t.Spec.Cooldown = ptr.To[int32](120)
		})
		create(tr)
		waitReady(g, h.tickClock(10*time.Second))
		waitReady(tr)
		return g, tr
	}
	alarm := func(name string) *cloud.Alarm {
		a, err := h.view.CloudWatch.DescribeAlarms(context.Background(), []string{name}, 0)
		Expect(err).NotTo(HaveOccurred())
		return a[0]
	}
	policy := func(name string) *cloud.Policy {
		p, err := h.view.AutoScaling.DescribePolicies(context.Background(), "scaled", []string{name})
		Expect(err).NotTo(HaveOccurred())
		return p[0]
	}
	upperAlarm := func() string { return "scaled-" + h.ns + "-cpu-upper" }
	lowerAlarm := func() string { return "scaled-" + h.ns + "-cpu-lower" }

	It("creates, updates and deletes its policies and alarms with deletionPolicy Delete", func() {
		_, tr := setup(ec2v1alpha1.DeletionPolicyDelete)
		get(tr)
		up, low := alarm(upperAlarm()), alarm(lowerAlarm())
		Expect(up).NotTo(BeNil())
		Expect(low).NotTo(BeNil())
		Expect(up.Dimensions).To(Equal(map[string]string{"AutoScalingGroupName": "scaled"}))
		Expect(up.Threshold).To(Equal(80.0))
		Expect(low.ComparisonOperator).To(Equal("LessThanThreshold"))
		Expect(low.AlarmActions).To(ConsistOf(tr.Status.LowerPolicyARN))
		p := policy(h.ns + "-cpu-upper")
		Expect(p.ScalingAdjustment).To(Equal(int32(10)))
		Expect(p.Cooldown).To(Equal(ptr.To[int32](120)))
		Expect(tr.Status.UpperAlarm.State).NotTo(BeEmpty())
		Expect(tr.Status.State).NotTo(BeEmpty())

		By("updating thresholds and increments")
		update(tr, func(t *ec2v1alpha1.Trigger) {
			t.Spec.UpperThreshold = 85
			t.Spec.UpperBreachScaleIncrement = "20%"
			t.Spec.BreachDuration = 120
		})
		waitReady(tr)
		Expect(alarm(upperAlarm()).Threshold).To(Equal(85.0))
		Expect(alarm(upperAlarm()).EvaluationPeriods).To(Equal(int32(2)))
		p = policy(h.ns + "-cpu-upper")
		Expect(p.AdjustmentType).To(Equal("PercentChangeInCapacity"))
		Expect(p.ScalingAdjustment).To(Equal(int32(20)))
		Expect(get(tr).Status.UpperPolicyARN).To(Equal(p.ARN))

		By("polling alarm state into status, with an Event on each transition")
		h.aws.emu.SetGroupLoad(testRegion, "scaled", 95)
		Eventually(func() string {
			h.aws.clock.Advance(time.Minute)
			return get(tr).Status.UpperAlarm.State
		}, convergeTimeout, pollInterval).Should(Equal("ALARM"))
		Eventually(func() []string {
			var notes []string
			for _, e := range h.events("cpu", "AlarmStateChanged") {
				notes = append(notes, e.Note)
			}
			return notes
		}, convergeTimeout, pollInterval).Should(ContainElement(ContainSubstring(upperAlarm() + ": ")))
		Expect(get(tr).Status.UpperAlarm.LastTransitionTime).NotTo(BeNil())

		By("deleting it")
		deleteObj(tr)
		Eventually(gone(tr), convergeTimeout, pollInterval).Should(BeTrue())
		Expect(alarm(upperAlarm())).To(BeNil())
		Expect(alarm(lowerAlarm())).To(BeNil())
		Expect(policy(h.ns + "-cpu-upper")).To(BeNil())
		Expect(policy(h.ns + "-cpu-lower")).To(BeNil())
	})

	It("leaves its policies and alarms, untagged, with deletionPolicy Orphan", func() {
		requireAlarmTags(h.aws)
		_, tr := setup(ec2v1alpha1.DeletionPolicyOrphan)
		deleteObj(tr)
		Eventually(gone(tr), convergeTimeout, pollInterval).Should(BeTrue())
		Expect(alarm(upperAlarm())).NotTo(BeNil())
		Expect(alarm(lowerAlarm())).NotTo(BeNil())
		Expect(policy(h.ns + "-cpu-upper")).NotTo(BeNil())
		Expect(policy(h.ns + "-cpu-lower")).NotTo(BeNil())
		Expect(alarm(upperAlarm()).OwnerTag).To(BeEmpty())
		Expect(h.aws.emu.Calls()).NotTo(HaveKey("DeleteAlarms"))
	})

	It("waits for its group, and deletes cleanly when the group went first", func() {
		tr := h.trigger("early", "later")
		create(tr)
		Eventually(func() string { return ptr.Deref(readyCondition(tr)(), metav1.Condition{}).Reason }, convergeTimeout, pollInterval).
			Should(Equal(ec2v1alpha1.ReasonAutoScalingGroupNotReady))
		create(h.launchConfiguration("lc"))
		g := h.group("later", "lc", 1, 2, func(g *ec2v1alpha1.AutoScalingGroup) { g.Spec.ForceDelete = true })
		create(g)
		waitReady(g, h.tickClock(10*time.Second))
		waitReady(tr) // through the group watch

		By("deleting the group first: its policies go with it in AWS")
		deleteObj(g)
		Eventually(func() bool { h.aws.clock.Advance(time.Minute); return gone(g)() }, convergeTimeout, pollInterval).Should(BeTrue())
		Eventually(func() string { return ptr.Deref(readyCondition(tr)(), metav1.Condition{}).Reason }, convergeTimeout, pollInterval).
			Should(Equal(ec2v1alpha1.ReasonAutoScalingGroupNotReady))
		deleteObj(tr)
		Eventually(gone(tr), convergeTimeout, pollInterval).Should(BeTrue())
		Expect(alarm("later-" + h.ns + "-early-upper")).To(BeNil())
	})
})
