package controllers

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// writeActions are the AWS calls that change something.
var writeActions = []string{
	"CreateLaunchConfiguration", "DeleteLaunchConfiguration",
	"CreateAutoScalingGroup", "UpdateAutoScalingGroup", "DeleteAutoScalingGroup", "SetDesiredCapacity",
	"CreateOrUpdateTags", "DeleteTags", "AttachLoadBalancers", "DetachLoadBalancers",
	"AttachLoadBalancerTargetGroups", "DetachLoadBalancerTargetGroups", "SuspendProcesses", "ResumeProcesses",
	"PutScalingPolicy", "DeletePolicy", "PutMetricAlarm", "DeleteAlarms", "TagResource", "UntagResource",
}

func writeCalls(calls map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, a := range writeActions {
		if n := calls[a]; n > 0 {
			out[a] = n
		}
	}
	return out
}

func awsGroup(h *harness, name string) func() *cloud.Group {
	return func() *cloud.Group {
		g, err := h.view.AutoScaling.DescribeGroup(context.Background(), name, 0)
		Expect(err).NotTo(HaveOccurred())
		return g
	}
}

func awsLaunchConfiguration(h *harness, name string) func() *cloud.LaunchConfiguration {
	return func() *cloud.LaunchConfiguration {
		lc, err := h.view.AutoScaling.DescribeLaunchConfiguration(context.Background(), name)
		Expect(err).NotTo(HaveOccurred())
		return lc
	}
}

var _ = Describe("LaunchConfiguration and AutoScalingGroup lifecycle", func() {
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

			It("creates, updates and deletes with deletionPolicy Delete", func() {
				ctx := context.Background()
				lc := h.launchConfiguration("web")
				create(lc)
				waitReady(lc)
				get(lc)
				Expect(lc.Status.AWSName).To(HavePrefix(h.ns + "-web-"))
				Expect(lc.Status.ARN).NotTo(BeEmpty())
				Expect(lc.Status.CreatedTime).NotTo(BeNil())
				Expect(lc.Finalizers).To(ContainElement(Finalizer))
				Expect(awsLaunchConfiguration(h, lc.Status.AWSName)()).NotTo(BeNil())

				name := h.uniqueName("web")
				g := h.group(name, "web", 2, 3)
				create(g)
				took := waitReady(g, h.tickClock(10*time.Second))
				GinkgoWriter.Printf("group of 2 Ready in %s on %s\n", took, variant.name)
				get(g)
				Expect(g.Status.AWSName).To(Equal(name))
				Expect(g.Status.LaunchConfigurationName).To(Equal(lc.Status.AWSName))
				Expect(g.Status.InServiceCount).To(BeNumerically(">=", 2))
				Expect(g.Status.Instances).To(HaveLen(2))
				Expect(g.Status.InstanceCounts).To(HaveKeyWithValue("InService", int32(2)))
				Expect(g.Status.DesiredCapacity).To(Equal(ptr.To[int32](2)))
				Expect(awsGroup(h, name)().OwnerTag()).To(Equal(testClusterID + "/" + h.ns + "/" + name))
				Expect(h.events(name, "Created")).NotTo(BeEmpty())

				By("updating max and desired capacity")
				update(g, func(g *ec2v1alpha1.AutoScalingGroup) {
					g.Spec.MaxSize = 5
					g.Spec.DesiredCapacity = ptr.To[int32](3)
				})
				waitReady(g, h.tickClock(10*time.Second))
				ag := awsGroup(h, name)()
				Expect(ag.MaxSize).To(Equal(int32(5)))
				Expect(ag.DesiredCapacity).To(Equal(int32(3)))
				Expect(get(g).Status.Instances).To(HaveLen(3))

				if h.aws.isEmulator() {
					By("making no AWS write while nothing changes")
					h.aws.emu.ResetCalls()
					time.Sleep(3 * testSyncPeriod) // let several periodic syncs run
					GinkgoWriter.Printf("steady state, 1 launch configuration + 1 group, %s: AWS calls %v\n", 3*testSyncPeriod, h.aws.emu.Calls())
					Expect(writeCalls(h.aws.emu.Calls())).To(BeEmpty())
				}

				By("deleting the group: scaled to zero, then deleted")
				deleteObj(g)
				Eventually(gone(g), convergeTimeout, pollInterval).Should(BeTrue())
				Expect(awsGroup(h, name)()).To(BeNil())

				By("deleting the launch configuration")
				deleteObj(lc)
				Eventually(gone(lc), convergeTimeout, pollInterval).Should(BeTrue())
				Expect(awsLaunchConfiguration(h, lc.Status.AWSName)()).To(BeNil())
				_ = ctx
			})

			It("leaves the AWS resources, untagged, with deletionPolicy Orphan", func() {
				ctx := context.Background()
				lc := h.launchConfiguration("orphan", func(lc *ec2v1alpha1.LaunchConfiguration) {
					lc.Spec.DeletionPolicy = ec2v1alpha1.DeletionPolicyOrphan
				})
				create(lc)
				name := h.uniqueName("orphan")
				g := h.group(name, "orphan", 1, 1, func(g *ec2v1alpha1.AutoScalingGroup) {
					g.Spec.DeletionPolicy = ec2v1alpha1.DeletionPolicyOrphan
				})
				create(g)
				waitReady(g, h.tickClock(10*time.Second))
				lcName := get(lc).Status.AWSName

				deleteObj(g)
				Eventually(gone(g), convergeTimeout, pollInterval).Should(BeTrue())
				ag := awsGroup(h, name)()
				Expect(ag).NotTo(BeNil())
				Expect(ag.OwnerTag()).To(BeEmpty())
				Expect(ag.Instances).To(HaveLen(1))

				deleteObj(lc)
				Eventually(gone(lc), convergeTimeout, pollInterval).Should(BeTrue())
				Expect(awsLaunchConfiguration(h, lcName)()).NotTo(BeNil())

				// Leave the backend clean.
				Expect(h.view.AutoScaling.DeleteGroup(ctx, name, true)).To(Succeed())
				Eventually(func() *cloud.Group { h.tickClock(time.Minute)(); return awsGroup(h, name)() }, convergeTimeout, pollInterval).Should(BeNil())
				Expect(h.view.AutoScaling.DeleteLaunchConfiguration(ctx, lcName)).To(Succeed())
			})

			It("rolls the group to a changed launch configuration and deletes the old one", func() {
				lc := h.launchConfiguration("roll")
				create(lc)
				name := h.uniqueName("roll")
				g := h.group(name, "roll", 1, 2)
				create(g)
				waitReady(g, h.tickClock(10*time.Second))
				oldName := get(lc).Status.AWSName

				update(lc, func(lc *ec2v1alpha1.LaunchConfiguration) { lc.Spec.InstanceType = "t3.small" })
				waitReady(lc)
				newName := get(lc).Status.AWSName
				Expect(newName).NotTo(Equal(oldName))
				Expect(newName).To(HavePrefix(h.ns + "-roll-"))

				start := time.Now()
				Eventually(func() string { return awsGroup(h, name)().LaunchConfigurationName }, convergeTimeout, pollInterval).Should(Equal(newName))
				Eventually(func() string { return get(g).Status.LaunchConfigurationName }, convergeTimeout, pollInterval).Should(Equal(newName))
				Eventually(awsLaunchConfiguration(h, oldName), convergeTimeout, pollInterval).Should(BeNil())
				Eventually(func() []string { return recordedNames(get(lc)) }, convergeTimeout, pollInterval).Should(Equal([]string{newName}))
				GinkgoWriter.Printf("group rolled and old launch configuration deleted %s after the new one was Ready\n", time.Since(start).Round(time.Millisecond))
				Expect(awsLaunchConfiguration(h, newName)()).NotTo(BeNil())
			})

			It("keeps a launch configuration a group uses until the group is gone (InUse)", func() {
				lc := h.launchConfiguration("held")
				create(lc)
				name := h.uniqueName("holder")
				g := h.group(name, "held", 1, 1, func(g *ec2v1alpha1.AutoScalingGroup) { g.Spec.ForceDelete = true })
				create(g)
				waitReady(g, h.tickClock(10*time.Second))
				lcName := get(lc).Status.AWSName

				deleteObj(lc)
				Eventually(func(gm Gomega) {
					c := readyCondition(lc)()
					gm.Expect(c).NotTo(BeNil())
					gm.Expect(c.Reason).To(Equal(ec2v1alpha1.ReasonInUse))
					gm.Expect(c.Message).To(ContainSubstring(name))
				}, convergeTimeout, pollInterval).Should(Succeed())
				Consistently(gone(lc), 2*testSyncPeriod, pollInterval).Should(BeFalse())
				Expect(awsLaunchConfiguration(h, lcName)()).NotTo(BeNil())
				Expect(h.events("held", ec2v1alpha1.ReasonInUse)).To(HaveLen(1))

				By("deleting the group (forceDelete) releases it")
				deleteObj(g)
				Eventually(func() bool { h.tickClock(time.Minute)(); return gone(g)() }, convergeTimeout, pollInterval).Should(BeTrue())
				Eventually(gone(lc), convergeTimeout, pollInterval).Should(BeTrue())
				Expect(awsLaunchConfiguration(h, lcName)()).To(BeNil())
			})
		})
	}

	Context("against the emulator", func() {
		var h *harness
		BeforeEach(func() {
			h = newHarness(newEmulatorBackend())
			h.start()
		})
		AfterEach(func() { h.cleanup() })

		It("deletes objects that never reached AWS without any AWS write", func() {
			lc := h.launchConfiguration("secret-lc", func(lc *ec2v1alpha1.LaunchConfiguration) {
				lc.Spec.UserDataSecretRef = &ec2v1alpha1.SecretKeySelector{Name: "no-such-secret", Key: "userdata"}
			})
			create(lc)
			g := h.group("waiting", "no-such-lc", 1, 1)
			create(g)
			Eventually(func() string { return ptr.Deref(readyCondition(lc)(), metav1.Condition{}).Reason }, convergeTimeout, pollInterval).
				Should(Equal(ec2v1alpha1.ReasonUserDataSecretNotFound))
			Eventually(func() string { return ptr.Deref(readyCondition(g)(), metav1.Condition{}).Reason }, convergeTimeout, pollInterval).
				Should(Equal(ec2v1alpha1.ReasonLaunchConfigurationNotReady))
			Expect(get(lc).Status.ObservedGeneration).To(Equal(lc.Generation), "stalled counts as handled")

			h.aws.emu.ResetCalls()
			deleteObj(g)
			deleteObj(lc)
			Eventually(gone(g), convergeTimeout, pollInterval).Should(BeTrue())
			Eventually(gone(lc), convergeTimeout, pollInterval).Should(BeTrue())
			Expect(h.aws.emu.Calls()).To(BeEmpty())
		})

		It("takes user data from a Secret it watches, and never shows it", func() {
			const secretData = "#!/bin/sh\necho super-secret-token-0xC0FFEE\n"
			lc := h.launchConfiguration("from-secret", func(lc *ec2v1alpha1.LaunchConfiguration) {
				lc.Spec.UserDataSecretRef = &ec2v1alpha1.SecretKeySelector{Name: "boot", Key: "userdata"}
			})
			create(lc)
			Eventually(func() string { return ptr.Deref(readyCondition(lc)(), metav1.Condition{}).Reason }, convergeTimeout, pollInterval).
				Should(Equal(ec2v1alpha1.ReasonUserDataSecretNotFound))

			secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "boot"}, Data: map[string][]byte{"userdata": []byte(secretData)}}
			create(secret)
			waitReady(lc) // through the Secret watch: nothing else requeues a stalled object
			first := get(lc).Status.AWSName

			update(secret, func(s *corev1.Secret) { s.Data["userdata"] = []byte(secretData + "echo v2\n") })
			Eventually(func() string { return get(lc).Status.AWSName }, convergeTimeout, pollInterval).ShouldNot(Equal(first))
			Eventually(awsLaunchConfiguration(h, first), convergeTimeout, pollInterval).Should(BeNil())

			for _, e := range h.events("from-secret", "") {
				Expect(e.Note).NotTo(ContainSubstring("super-secret-token"))
			}
			var raw ec2v1alpha1.LaunchConfiguration
			Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(lc), &raw)).To(Succeed())
			for _, c := range raw.Status.Conditions {
				Expect(c.Message).NotTo(ContainSubstring("super-secret-token"))
			}
			Expect(strings.Join(recordedNames(&raw), ",")).NotTo(ContainSubstring("secret-token"))
		})
	})
})
