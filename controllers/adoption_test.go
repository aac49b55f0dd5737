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

var _ = Describe("Adoption and conflicts", func() {
	for _, variant := range []struct {
		name    string
		backend func() *backend
	}{
		{"emulator", newEmulatorBackend},
		{"moto", motoBackend},
	} {
		Context("against "+variant.name, func() {
			var h *harness
			BeforeEach(func() {
				h = newHarness(variant.backend())
				h.start()
			})
			AfterEach(func() { h.cleanup() })

			// preexisting creates a group in AWS behind the operator's back, with the given owner tag.
			preexisting := func(name, owner string) {
				lc := h.launchConfiguration("lc")
				create(lc)
				waitReady(lc)
				spec := h.group(name, "lc", 1, 1).Spec
				Expect(h.view.AutoScaling.CreateGroup(context.Background(), &cloud.GroupInput{
					Name: name, LaunchConfigurationName: get(lc).Status.AWSName, Spec: &spec, OwnerTag: owner,
				})).To(Succeed())
			}
			reason := func(obj *ec2v1alpha1.AutoScalingGroup) func() string {
				return func() string { return ptr.Deref(readyCondition(obj)(), metav1.Condition{}).Reason }
			}

			It("reports a Conflict for an untagged group and adopts it once annotated", func() {
				name := h.uniqueName("legacy")
				preexisting(name, "")
				g := h.group(name, "lc", 2, 2)
				create(g)
				Eventually(reason(g), convergeTimeout, pollInterval).Should(Equal(ec2v1alpha1.ReasonConflict))
				c := readyCondition(g)()
				Expect(c.Message).To(ContainSubstring(ec2v1alpha1.AdoptAnnotation))
				Eventually(func() int { return len(h.events(name, ec2v1alpha1.ReasonConflict)) }, convergeTimeout, pollInterval).Should(Equal(1))
				if h.aws.isEmulator() {
					h.aws.emu.ResetCalls()
				}
				Consistently(reason(g), 2*testSyncPeriod, pollInterval).Should(Equal(ec2v1alpha1.ReasonConflict))
				if h.aws.isEmulator() {
					Expect(writeCalls(h.aws.emu.Calls())).To(BeEmpty(), "a Conflict writes nothing")
				}
				ag := awsGroup(h, name)()
				Expect(ag.OwnerTag()).To(BeEmpty())
				Expect(ag.MinSize).To(Equal(int32(1)))
				Expect(eventCount(h.events(name, ec2v1alpha1.ReasonConflict))).To(Equal(1), "one Warning, not one per sync")

				By("annotating it for adoption")
				update(g, func(g *ec2v1alpha1.AutoScalingGroup) {
					g.Annotations = map[string]string{ec2v1alpha1.AdoptAnnotation: "true"}
				})
				waitReady(g, h.tickClock(10*time.Second))
				ag = awsGroup(h, name)()
				Expect(ag.OwnerTag()).To(Equal(testClusterID + "/" + h.ns + "/" + name))
				Expect(ag.MinSize).To(Equal(int32(2)), "the spec now rules the adopted group")
				Expect(h.events(name, "Adopted")).To(HaveLen(1))
			})

			It("never touches a group owned by another object or cluster", func() {
				name := h.uniqueName("theirs")
				other := "other-cluster/" + h.ns + "/" + name
				preexisting(name, other)
				g := h.group(name, "lc", 2, 2, func(g *ec2v1alpha1.AutoScalingGroup) {
					g.Annotations = map[string]string{ec2v1alpha1.AdoptAnnotation: "true"}
				})
				create(g)
				Eventually(reason(g), convergeTimeout, pollInterval).Should(Equal(ec2v1alpha1.ReasonConflict))
				Expect(readyCondition(g)().Message).To(ContainSubstring(other))
				Expect(kstatusOf(get(g)).stalled).To(BeTrue())

				deleteObj(g)
				Eventually(gone(g), convergeTimeout, pollInterval).Should(BeTrue())
				ag := awsGroup(h, name)()
				Expect(ag).NotTo(BeNil(), "deleting the object leaves someone else's group")
				Expect(ag.OwnerTag()).To(Equal(other))
				Expect(ag.MinSize).To(Equal(int32(1)))
				Expect(h.view.AutoScaling.DeleteGroup(context.Background(), name, true)).To(Succeed())
			})
		})
	}
})

type conditionSummary struct{ ready, stalled, reconciling bool }

// kstatusOf summarises the kstatus conditions of a group.
func kstatusOf(g *ec2v1alpha1.AutoScalingGroup) conditionSummary {
	var s conditionSummary
	for _, c := range g.Status.Conditions {
		on := c.Status == metav1.ConditionTrue
		switch c.Type {
		case ec2v1alpha1.ConditionReady:
			s.ready = on
		case ec2v1alpha1.ConditionStalled:
			s.stalled = on
		case ec2v1alpha1.ConditionReconciling:
			s.reconciling = on
		}
	}
	return s
}
