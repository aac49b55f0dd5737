package controllers

import (
	"sort"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
)

var _ = Describe("A manager restarted in the middle of creation", func() {
	var h *harness
	BeforeEach(func() {
		h = newHarness(newEmulatorBackend())
		h.start()
	})
	AfterEach(func() { h.cleanup() })

	It("leaves exactly one of everything", func() {
		emu := h.aws.emu
		alarmTags := h.aws.supportsAlarmTags() // asked before the gate can close
		// Each create below is the last thing the manager does before it "crashes": the gate
		// hangs every later AWS call, so no status write can record what was just created.
		tripped := h.aws.gate.armAfter("CreateLaunchConfiguration")

		lc := h.launchConfiguration("lc")
		g := h.group("crashy", "lc", 2, 2)
		tr := h.trigger("cpu", "crashy")
		create(lc)
		create(g)
		create(tr)

		steps := []string{"CreateAutoScalingGroup", "PutScalingPolicy", "PutMetricAlarm", ""}
		if !alarmTags {
			// Without CloudWatch tagging a restarted manager cannot tell its alarms from someone
			// else's (it reports a Conflict), so the crash after PutMetricAlarm is left out.
			GinkgoWriter.Println("emulator lacks CloudWatch tagging: not crashing after PutMetricAlarm")
			steps = []string{"CreateAutoScalingGroup", "PutScalingPolicy", ""}
		}
		for i, next := range steps {
			Eventually(tripped, convergeTimeout).Should(BeClosed(), "step %d", i)
			h.stop()
			h.aws.gate.open()
			if next != "" {
				tripped = h.aws.gate.armAfter(next)
			}
			h.start()
		}
		waitReady(lc)
		waitReady(g, h.tickClock(10*time.Second))
		waitReady(tr)

		snap := emu.Snapshot().Regions[testRegion]
		Expect(snap.LaunchConfigurations).To(HaveLen(1))
		Expect(snap.LaunchConfigurations).To(HaveKey(get(lc).Status.AWSName))
		Expect(snap.Groups).To(HaveLen(1))
		group := snap.Groups["crashy"]
		Expect(group.Instances).To(HaveLen(2))
		var policies []string
		for _, p := range group.Policies {
			policies = append(policies, p.Name)
		}
		sort.Strings(policies)
		Expect(policies).To(Equal([]string{h.ns + "-cpu-lower", h.ns + "-cpu-upper"}))
		var alarms []string
		for _, a := range snap.Alarms {
			alarms = append(alarms, a.Name)
		}
		sort.Strings(alarms)
		Expect(alarms).To(Equal([]string{"crashy-" + h.ns + "-cpu-lower", "crashy-" + h.ns + "-cpu-upper"}))
		calls := emu.Calls()
		GinkgoWriter.Printf("restart test: %d manager starts, AWS calls %v\n", h.started, calls)
		Expect(calls["CreateLaunchConfiguration"]).To(Equal(int64(1)))
		Expect(calls["CreateAutoScalingGroup"]).To(Equal(int64(1)))

		get(tr)
		Expect(tr.Status.UpperPolicyARN).To(Equal(policyARN(group.Policies, h.ns+"-cpu-upper")))
		Expect(tr.Status.LowerPolicyARN).To(Equal(policyARN(group.Policies, h.ns+"-cpu-lower")))
		Expect(get(g).Finalizers).To(ConsistOf(Finalizer))
		Expect(recordedNames(get(lc))).To(Equal([]string{lc.Status.AWSName}))
		_ = ec2v1alpha1.ConditionReady
	})
})

func policyARN(ps []emulator.PolicySnapshot, name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.ARN
		}
	}
	return ""
}
