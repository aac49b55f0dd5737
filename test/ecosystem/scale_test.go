package ecosystem

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// TestKubectlScale drives a group with `kubectl scale`, as a person, an HPA or KEDA would through
// the scale subresource: the new size reaches AWS, and a size outside [minSize, maxSize] is
// refused by the API server with the CRD's message and reaches nothing.
func TestKubectlScale(t *testing.T) {
	g := NewWithT(t)
	ctx := testContext(t, 3*time.Minute)
	const ns, prefix = "scale", "kubectl-scale"
	g.Expect(env.EnsureNamespace(ctx, ns)).To(Succeed())
	sets, err := env.CreateSets(ctx, ns, prefix, 1, harness.SetTemplate{MinSize: 1, MaxSize: 5, NoTrigger: true})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = env.WaitReady(ctx, ns, prefix, 2, 200*time.Millisecond)
	g.Expect(err).NotTo(HaveOccurred())
	name := sets[0].Name

	out, err := kubectl("-n", ns, "scale", "asg", name, "--replicas=4")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("scaled"))

	// AWS gets the new desired capacity and the instances come up; status follows.
	g.Eventually(func(g Gomega) {
		aws := env.Emulator.Snapshot().Regions[harness.Region].Groups[name]
		g.Expect(aws.DesiredCapacity).To(Equal(4))
		g.Expect(aws.InService()).To(Equal(4))
		obj := &ec2v1alpha1.AutoScalingGroup{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)).To(Succeed())
		g.Expect(obj.Status.DesiredCapacity).To(Equal(ptr.To[int32](4)))
		g.Expect(harness.IsReady(obj)).To(BeTrue())
	}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(200 * time.Millisecond).Should(Succeed())

	// What an HPA reads: the scale subresource, with a selector that parses and selects no pod.
	out, err = kubectl("-n", ns, "get", "asg", name, "--subresource=scale", "-o", "json")
	g.Expect(err).NotTo(HaveOccurred(), out)
	scale := &autoscalingv1.Scale{}
	g.Expect(json.Unmarshal([]byte(out), scale)).To(Succeed())
	g.Expect(scale.Spec.Replicas).To(BeEquivalentTo(4))
	g.Expect(scale.Status.Replicas).To(BeEquivalentTo(4))
	g.Expect(scale.Status.Selector).To(Equal("autoscale-operator.io/autoscalinggroup=" + name))
	out, err = kubectl("-n", ns, "get", "pods", "-l", scale.Status.Selector, "-o", "name")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(strings.TrimSpace(out)).To(BeEmpty())

	// Outside [minSize, maxSize]: refused, with the message users see.
	for _, replicas := range []string{"6", "0"} {
		out, err = kubectl("-n", ns, "scale", "asg", name, "--replicas="+replicas)
		g.Expect(err).To(HaveOccurred(), "kubectl scale --replicas=%s succeeded: %s", replicas, out)
		g.Expect(out).To(ContainSubstring("desiredCapacity must be between minSize and maxSize"), "--replicas=%s", replicas)
	}
	obj := &ec2v1alpha1.AutoScalingGroup{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)).To(Succeed())
	g.Expect(obj.Spec.DesiredCapacity).To(Equal(ptr.To[int32](4)))
	// Two syncs later AWS still has 4: the refused sizes never reached it.
	g.Consistently(func() int {
		return env.Emulator.Snapshot().Regions[harness.Region].Groups[name].DesiredCapacity
	}).WithContext(ctx).WithTimeout(2 * syncPeriod).WithPolling(500 * time.Millisecond).Should(Equal(4))

	// Down within bounds works the same way.
	out, err = kubectl("-n", ns, "scale", "asg", name, "--replicas=2")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Eventually(func() int {
		return env.Emulator.Snapshot().Regions[harness.Region].Groups[name].DesiredCapacity
	}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(200 * time.Millisecond).Should(Equal(2))
}
