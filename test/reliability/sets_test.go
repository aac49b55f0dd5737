package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// unique is a short prefix no other test (or earlier run against the same emulator) uses: group
// names are account-wide, so two tests must never pick the same one.
func unique(base string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return base + hex.EncodeToString(b)
}

// newSet builds one LaunchConfiguration + AutoScalingGroup + Trigger named <prefix>-00000.
func newSet(ns, prefix string, tmpl harness.SetTemplate) harness.Set {
	return harness.NewSets(ns, prefix, 1, tmpl)[0]
}

// createSetReady creates the set and waits until all its objects are Ready.
func createSetReady(ctx context.Context, t *testing.T, s harness.Set) {
	t.Helper()
	must(t, harness.CreateObjects(ctx, k8s, []harness.Set{s}, 3))
	waitSetReady(ctx, t, s, 90*time.Second)
}

func waitSetReady(ctx context.Context, t *testing.T, s harness.Set, timeout time.Duration) {
	t.Helper()
	waitFleetReady(ctx, t, s.Namespace, s.LaunchConfiguration.Labels[harness.FleetLabel], len(s.Objects()), timeout)
}

// waitFleetReady waits until the fleet (harness.FleetLabel=prefix) has want objects, all Ready.
func waitFleetReady(ctx context.Context, t *testing.T, ns, prefix string, want int, timeout time.Duration) {
	t.Helper()
	eventually(ctx, t, timeout, "fleet "+prefix+" Ready", func() error {
		r, err := env.CountReady(ctx, ns, prefix)
		if err != nil {
			return err
		}
		if r.Total() != want || r.Ready() != want {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
}

// deleteObjects deletes objs (ignoring those already gone) in the order given.
func deleteObjects(ctx context.Context, t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		must(t, client.IgnoreNotFound(k8s.Delete(ctx, o)))
	}
}

// waitGone waits until none of objs exists in the API server.
func waitGone(ctx context.Context, t *testing.T, timeout time.Duration, objs ...client.Object) {
	t.Helper()
	eventually(ctx, t, timeout, "objects to be gone", func() error {
		for _, o := range objs {
			err := k8s.Get(ctx, client.ObjectKeyFromObject(o), o.DeepCopyObject().(client.Object))
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("%T %s/%s still exists (finalizers %v, err %v)", o, o.GetNamespace(), o.GetName(), o.GetFinalizers(), err)
			}
		}
		return nil
	})
}

// leftovers lists what AWS still holds of a set: its group (by name or owner tag), any version of
// its launch configuration (<namespace>-<name>-<hash>), its alarms and policies.
func leftovers(s harness.Set) []string {
	var out []string
	r := region()
	owner := ownerTag(s.Namespace, s.Name)
	for name, g := range r.Groups {
		if name == s.Name || g.Tags[ownerTagKey] == owner {
			out = append(out, fmt.Sprintf("group %s (tags %v, %d instances)", name, g.Tags, len(g.Instances)))
		}
		for _, p := range g.Policies {
			if strings.HasPrefix(p.Name, s.Namespace+"-"+s.Name+"-") {
				out = append(out, fmt.Sprintf("policy %s on group %s", p.Name, name))
			}
		}
	}
	for name := range r.LaunchConfigurations {
		if strings.HasPrefix(name, s.Namespace+"-"+s.Name+"-") {
			out = append(out, "launch configuration "+name)
		}
	}
	for _, a := range r.Alarms {
		if strings.HasPrefix(a.Name, s.Name+"-"+s.Namespace+"-"+s.Name+"-") {
			out = append(out, "alarm "+a.Name)
		}
	}
	slices.Sort(out)
	return out
}

const ownerTagKey = "autoscale-operator.io/owner"

// waitAWSClean waits until AWS holds nothing of the sets.
func waitAWSClean(ctx context.Context, t *testing.T, timeout time.Duration, sets ...harness.Set) {
	t.Helper()
	eventually(ctx, t, timeout, "AWS to hold nothing of the sets", func() error {
		var left []string
		for _, s := range sets {
			left = append(left, leftovers(s)...)
		}
		if len(left) > 0 {
			return fmt.Errorf("left in AWS: %s", strings.Join(left, "; "))
		}
		return nil
	})
}

// alarmTags reads an alarm's tags through CloudWatch's API.
func alarmTags(ctx context.Context, t *testing.T, cw *cloudwatch.Client, arn string) map[string]string {
	t.Helper()
	out, err := cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	must(t, err)
	tags := map[string]string{}
	for _, tg := range out.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return tags
}

// removeBehindTheBack deletes a set's alarms, group and launch configuration straight through the
// AWS APIs and waits until the group is gone.
func removeBehindTheBack(ctx context.Context, t *testing.T, s harness.Set) {
	t.Helper()
	as, cw := awsClients()
	var alarms []string
	for _, a := range region().Alarms {
		if strings.HasPrefix(a.Name, s.Name+"-") {
			alarms = append(alarms, a.Name)
		}
	}
	if len(alarms) > 0 {
		_, err := cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: alarms})
		must(t, err)
	}
	if _, ok := region().Groups[s.Name]; ok {
		_, err := as.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{
			AutoScalingGroupName: aws.String(s.Name), ForceDelete: aws.Bool(true)})
		must(t, err)
	}
	eventually(ctx, t, 30*time.Second, "the group to be gone from AWS", func() error {
		if _, ok := region().Groups[s.Name]; ok {
			return fmt.Errorf("group %s still there", s.Name)
		}
		return nil
	})
	for name := range region().LaunchConfigurations {
		if strings.HasPrefix(name, s.Namespace+"-"+s.Name+"-") {
			_, err := as.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String(name)})
			must(t, err)
		}
	}
	if left := leftovers(s); len(left) > 0 {
		t.Fatalf("could not remove %v behind the operator's back", left)
	}
}

// createCalls are the AWS writes that make something new.
var createCalls = []string{"CreateLaunchConfiguration", "CreateAutoScalingGroup", "PutScalingPolicy", "PutMetricAlarm"}
