package controllers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
)

// loadSample decodes one of config/samples into obj, in namespace ns.
func loadSample(path string, obj client.Object, ns string) {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join("..", "config", "samples", path))
	Expect(err).NotTo(HaveOccurred())
	Expect(yaml.UnmarshalStrict(data, obj)).To(Succeed())
	obj.SetNamespace(ns)
}

// countActivities counts the group's status activities whose description starts with prefix and
// whose cause contains every one of causeParts.
func countActivities(acts []ec2v1alpha1.Activity, prefix string, causeParts ...string) int {
	n := 0
	for _, a := range acts {
		if !strings.HasPrefix(a.Description, prefix) || a.StatusCode != "Successful" {
			continue
		}
		ok := true
		for _, p := range causeParts {
			ok = ok && strings.Contains(a.Cause, p)
		}
		if ok {
			n++
		}
	}
	return n
}

var _ = Describe("boto's Autoscale tutorial, end to end", func() {
	var h *harness
	BeforeEach(func() {
		// Instances take 30 s (emulator time) to come InService, so the group is seen in progress.
		h = newHarness(newEmulatorBackendWith(emulator.Options{LaunchDelay: 30 * time.Second}))
		h.start()
	})
	AfterEach(func() { h.cleanup() })

	It("launches 4 instances, then scales to 8 on high CPU and back to 4 on low CPU", func() {
		ctx := context.Background()
		emu := h.aws.emu
		emu.ResetCalls()

		By("applying config/samples/group: the launch configuration and a group of 4")
		lc := &ec2v1alpha1.LaunchConfiguration{}
		loadSample("group/ec2_v1alpha1_launchconfiguration.yaml", lc, h.ns)
		g := &ec2v1alpha1.AutoScalingGroup{}
		loadSample("group/ec2_v1alpha1_autoscalinggroup.yaml", g, h.ns)
		Expect(lc.Spec.ImageID).To(Equal("my-ami"))
		Expect(g.Spec.MinSize).To(Equal(int32(4)))
		create(lc)
		create(g)
		took := waitReady(g, h.tickClock(10*time.Second))
		GinkgoWriter.Printf("tutorial: 4 instances InService after %s\n", took.Round(time.Millisecond))

		get(g)
		Expect(g.Status.InServiceCount).To(Equal(int32(4)))
		Expect(g.Status.Instances).To(HaveLen(4))
		Expect(g.Status.LaunchConfigurationName).To(Equal(get(lc).Status.AWSName))
		Expect(countActivities(g.Status.Activities, "Launching a new EC2 instance")).To(Equal(4))
		Eventually(func() int { return len(h.events("my-group", "ScalingActivity")) }, convergeTimeout, pollInterval).Should(BeNumerically(">=", 4))
		snap := emu.Snapshot().Regions[testRegion]
		Expect(snap.Groups).To(HaveKey("my-group"))
		Expect(snap.Groups["my-group"].AvailabilityZones).To(ConsistOf("us-east-1a", "us-east-1b"))
		Expect(snap.LaunchConfigurations).To(HaveLen(1))

		By("applying config/samples/trigger: maxSize 8 and the trigger")
		patch := &ec2v1alpha1.AutoScalingGroup{}
		loadSample("trigger/autoscalinggroup_maxsize_patch.yaml", patch, h.ns)
		update(g, func(g *ec2v1alpha1.AutoScalingGroup) { g.Spec.MaxSize = patch.Spec.MaxSize })
		tr := &ec2v1alpha1.Trigger{}
		loadSample("trigger/ec2_v1alpha1_trigger.yaml", tr, h.ns)
		create(tr)
		waitReady(g, h.tickClock(10*time.Second))
		waitReady(tr)
		get(tr)
		upperPolicy, lowerPolicy := h.ns+"-my-trigger-upper", h.ns+"-my-trigger-lower"
		upperAlarm, lowerAlarm := "my-group-"+h.ns+"-my-trigger-upper", "my-group-"+h.ns+"-my-trigger-lower"
		Expect(tr.Status.UpperPolicyARN).To(ContainSubstring("policyName/" + upperPolicy))
		Expect(tr.Status.LowerPolicyARN).To(ContainSubstring("policyName/" + lowerPolicy))
		Expect(tr.Status.UpperAlarm.Name).To(Equal(upperAlarm))
		Expect(tr.Status.LowerAlarm.Name).To(Equal(lowerAlarm))
		alarms, err := h.view.CloudWatch.DescribeAlarms(ctx, []string{upperAlarm}, 0)
		Expect(err).NotTo(HaveOccurred())
		a := alarms[0]
		Expect(a.EvaluationPeriods).To(Equal(int32(6)))
		Expect(a.ComparisonOperator).To(Equal("GreaterThanThreshold"))
		Expect(a.AlarmActions).To(ConsistOf(tr.Status.UpperPolicyARN))
		Expect(a.Dimensions).To(Equal(map[string]string{"AutoScalingGroupName": "my-group"}))
		Expect(a.OwnerTag).To(Equal(testClusterID + "/" + h.ns + "/my-trigger"))

		By("CPU at 90 %: the upper alarm fires and the group grows to 8 (+10 capped at maxSize)")
		emu.SetGroupLoad(testRegion, "my-group", 90)
		start := time.Now()
		Eventually(func(gm Gomega) {
			h.aws.clock.Advance(time.Minute)
			get(g)
			gm.Expect(g.Status.DesiredCapacity).To(HaveValue(Equal(int32(8))))
			gm.Expect(g.Status.InServiceCount).To(Equal(int32(8)))
			gm.Expect(countActivities(g.Status.Activities, "Launching a new EC2 instance", upperAlarm, upperPolicy)).To(Equal(4))
		}, convergeTimeout, pollInterval).Should(Succeed())
		GinkgoWriter.Printf("tutorial: scaled up to 8 after %s\n", time.Since(start).Round(time.Millisecond))
		Eventually(func() string { return get(tr).Status.State }, convergeTimeout, pollInterval).Should(Equal(ec2v1alpha1.TriggerStateScalingUp))
		waitReady(g, h.tickClock(10*time.Second))

		By("CPU at 10 %: the lower alarm fires and the group shrinks to 4 (-5 floored at minSize)")
		emu.SetGroupLoad(testRegion, "my-group", 10)
		start = time.Now()
		Eventually(func(gm Gomega) {
			h.aws.clock.Advance(time.Minute)
			get(g)
			gm.Expect(g.Status.DesiredCapacity).To(HaveValue(Equal(int32(4))))
			gm.Expect(g.Status.Instances).To(HaveLen(4))
			gm.Expect(g.Status.InServiceCount).To(Equal(int32(4)))
			gm.Expect(countActivities(g.Status.Activities, "Terminating EC2 instance", lowerAlarm, lowerPolicy)).To(Equal(4))
		}, convergeTimeout, pollInterval).Should(Succeed())
		GinkgoWriter.Printf("tutorial: scaled down to 4 after %s\n", time.Since(start).Round(time.Millisecond))
		Eventually(func() string { return get(tr).Status.State }, convergeTimeout, pollInterval).Should(Equal(ec2v1alpha1.TriggerStateScalingDown))
		waitReady(g, h.tickClock(10*time.Second))

		By("Events: every alarm transition and scaling activity is announced")
		Expect(len(h.events("my-trigger", "AlarmStateChanged"))).To(BeNumerically(">=", 2))
		Expect(len(h.events("my-group", "ScalingActivity"))).To(BeNumerically(">=", 12))
		get(g)
		Expect(len(g.Status.Activities)).To(BeNumerically("<=", 10), "activityHistoryLimit defaults to 10")
		calls := emu.Calls()
		GinkgoWriter.Printf("tutorial: AWS calls %v\n", calls)
		Expect(calls["CreateLaunchConfiguration"]).To(Equal(int64(1)))
		Expect(calls["CreateAutoScalingGroup"]).To(Equal(int64(1)))
		Expect(calls["PutScalingPolicy"]).To(Equal(int64(2)))
		Expect(calls["PutMetricAlarm"]).To(Equal(int64(2)))
	})
})
