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
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
)

var _ = Describe("AWS errors", func() {
	var h *harness
	BeforeEach(func() {
		h = newHarness(newEmulatorBackend())
		h.start()
	})
	AfterEach(func() { h.cleanup() })

	It("stalls on a terminal error without retrying it, and recovers when the spec changes", func() {
		emu := h.aws.emu
		emu.Faults().Set("CreateLaunchConfiguration", emulator.FaultRule{ErrorRate: 1, Code: "ValidationError"})
		lc := h.launchConfiguration("rejected")
		create(lc)
		Eventually(func(g Gomega) {
			c := readyCondition(lc)()
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(ec2v1alpha1.ReasonInvalidSpec))
			g.Expect(c.Message).To(Equal("AWS ValidationError: Injected fault ValidationError."))
		}, convergeTimeout, pollInterval).Should(Succeed())
		Expect(get(lc).Status.Conditions).To(ContainElement(And(
			HaveField("Type", ec2v1alpha1.ConditionStalled), HaveField("Status", metav1.ConditionTrue))))

		calls := emu.Calls()["CreateLaunchConfiguration"]
		time.Sleep(3 * testSyncPeriod) // several sync periods: a terminal error must not be retried
		Expect(emu.Calls()["CreateLaunchConfiguration"]).To(Equal(calls))
		Expect(calls).To(Equal(int64(1)))
		warnings := h.events("rejected", ec2v1alpha1.ReasonInvalidSpec)
		Expect(warnings).To(HaveLen(1))
		Expect(warnings[0].Type).To(Equal("Warning"))
		Expect(warnings[0].Note).To(ContainSubstring("AWS ValidationError"))

		By("fixing the cause and changing the spec")
		emu.Faults().Clear()
		update(lc, func(lc *ec2v1alpha1.LaunchConfiguration) { lc.Spec.KeyName = "other_key" })
		waitReady(lc)
	})

	It("backs off on a retryable error, reports it once, and recovers by itself", func() {
		emu := h.aws.emu
		emu.Faults().Set("CreateAutoScalingGroup", emulator.FaultRule{ErrorRate: 1, Code: "Throttling"})
		create(h.launchConfiguration("lc"))
		g := h.group("throttled", "lc", 1, 1)
		create(g)
		Eventually(func(gm Gomega) {
			c := readyCondition(g)()
			gm.Expect(c).NotTo(BeNil())
			gm.Expect(c.Reason).To(Equal(ec2v1alpha1.ReasonAWSError))
			gm.Expect(c.Message).To(Equal("AWS Throttling: Rate exceeded"))
		}, convergeTimeout, pollInterval).Should(Succeed())
		start, before := time.Now(), emu.Calls()["CreateAutoScalingGroup"]
		time.Sleep(10 * time.Second)
		n := emu.Calls()["CreateAutoScalingGroup"] - before
		rate := float64(n) / time.Since(start).Seconds()
		GinkgoWriter.Printf("throttled CreateAutoScalingGroup: %d calls in 10 s (%.1f/s), SDK retries included\n", n, rate)
		Expect(rate).To(BeNumerically("<", 2.0), "no hot loop")
		Expect(kstatusOf(get(g)).reconciling).To(BeTrue())
		Expect(eventCount(h.events("throttled", ec2v1alpha1.ReasonAWSError))).To(Equal(1), "one Warning for one error")

		emu.Faults().Clear()
		waitReady(g, h.tickClock(10*time.Second))
	})

	It("waits and retries a delete AWS refuses while busy", func() {
		emu := h.aws.emu
		create(h.launchConfiguration("lc"))
		g := h.group("busy", "lc", 1, 1, func(g *ec2v1alpha1.AutoScalingGroup) { g.Spec.ForceDelete = true })
		create(g)
		waitReady(g, h.tickClock(10*time.Second))
		emu.Faults().Set("DeleteAutoScalingGroup", emulator.FaultRule{FailNext: 2, Code: "ScalingActivityInProgress"})
		deleteObj(g)
		Eventually(func() string { return ptr.Deref(readyCondition(g)(), metav1.Condition{}).Message }, convergeTimeout, pollInterval).
			Should(ContainSubstring("ScalingActivityInProgress"))
		Eventually(func() bool { h.aws.clock.Advance(time.Minute); return gone(g)() }, convergeTimeout, pollInterval).Should(BeTrue())
		Expect(emu.Calls()["DeleteAutoScalingGroup:ScalingActivityInProgress"]).To(Equal(int64(2)))
		Expect(awsGroup(h, "busy")()).To(BeNil())
	})

	It("lets deletion through when the AWS resources are already gone", func() {
		lc := h.launchConfiguration("lc")
		create(lc)
		g := h.group("vanished", "lc", 1, 1)
		create(g)
		waitReady(g, h.tickClock(10*time.Second))
		lcName := get(lc).Status.AWSName
		Expect(h.view.AutoScaling.DeleteGroup(context.Background(), "vanished", true)).To(Succeed())
		Eventually(func() bool { h.aws.clock.Advance(time.Minute); return awsGroup(h, "vanished")() == nil }, convergeTimeout, pollInterval).Should(BeTrue())
		Expect(h.view.AutoScaling.DeleteLaunchConfiguration(context.Background(), lcName)).To(Succeed())

		deleteObj(g)
		deleteObj(lc)
		Eventually(gone(g), convergeTimeout, pollInterval).Should(BeTrue())
		Eventually(gone(lc), convergeTimeout, pollInterval).Should(BeTrue())
	})

	It("corrects drift and recreates what was deleted behind its back", func() {
		lc := h.launchConfiguration("lc")
		create(lc)
		g := h.group("drifty", "lc", 2, 3)
		create(g)
		waitReady(g, h.tickClock(10*time.Second))

		By("someone raising maxSize in AWS")
		current := awsGroup(h, "drifty")()
		drifted := get(g).Spec.DeepCopy()
		drifted.MaxSize = 9
		_, err := h.view.AutoScaling.UpdateGroup(context.Background(), &cloud.GroupInput{Name: "drifty", LaunchConfigurationName: current.LaunchConfigurationName, Spec: drifted, OwnerTag: current.OwnerTag()}, current)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() int32 { return awsGroup(h, "drifty")().MaxSize }, convergeTimeout, pollInterval).Should(Equal(int32(3)))

		By("someone deleting the launch configuration and the group")
		Expect(h.view.AutoScaling.DeleteGroup(context.Background(), "drifty", true)).To(Succeed())
		Eventually(func() bool {
			h.aws.clock.Advance(time.Minute)
			return awsGroup(h, "drifty")() != nil && awsGroup(h, "drifty")().Status == ""
		},
			convergeTimeout, pollInterval).Should(BeTrue())
		waitReady(g, h.tickClock(10*time.Second))
		Expect(get(g).Status.Instances).To(HaveLen(2))
	})
})
