package soak

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// result is one comparison of what the workload wants, what the API server holds and what AWS
// holds.
type result struct {
	objects string
	// notReady: objects that are not Ready for their generation, still being deleted, lost, or
	// unexpected.
	notReady []string
	// duplicates: an object with more than one AWS resource of a kind (two launch configuration
	// versions, more than two alarms with its owner tag).
	duplicates []string
	// leaks: AWS resources that are ours (owner tag, or our naming) that no object wants.
	leaks []string
	// missing: an object's AWS resource that is absent or does not match its spec.
	missing []string
}

func (r result) clean() bool {
	return len(r.notReady)+len(r.duplicates)+len(r.leaks)+len(r.missing) == 0
}

// settle waits until the API and AWS are exactly what the workload wants, or timeout; it returns
// the last comparison.
func (w *workload) settle(ctx context.Context, t *testing.T, timeout time.Duration) result {
	t.Helper()
	deadline := time.Now().Add(timeout)
	_, cw := awsClients(w.env)
	for {
		r, err := w.compare(ctx, cw)
		if err != nil {
			t.Fatalf("comparing the state: %v", err)
		}
		if r.clean() || time.Now().After(deadline) {
			return r
		}
		if !sleep(ctx, time.Second) {
			t.Fatal(ctx.Err())
		}
	}
}

func (w *workload) ownerTag(name string) string { return "default/" + w.ns + "/" + name }

func (w *workload) compare(ctx context.Context, cw *cloudwatch.Client) (result, error) {
	var r result
	var lcs ec2v1alpha1.LaunchConfigurationList
	var groups ec2v1alpha1.AutoScalingGroupList
	var triggers ec2v1alpha1.TriggerList
	for _, l := range []client.ObjectList{&lcs, &groups, &triggers} {
		if err := w.c.List(ctx, l, client.InNamespace(w.ns)); err != nil {
			return r, err
		}
	}
	lcByName := map[string]*ec2v1alpha1.LaunchConfiguration{}
	for i := range lcs.Items {
		lcByName[lcs.Items[i].Name] = &lcs.Items[i]
	}
	groupByName := map[string]*ec2v1alpha1.AutoScalingGroup{}
	for i := range groups.Items {
		groupByName[groups.Items[i].Name] = &groups.Items[i]
	}
	triggerByName := map[string]*ec2v1alpha1.Trigger{}
	for i := range triggers.Items {
		triggerByName[triggers.Items[i].Name] = &triggers.Items[i]
	}
	r.objects = fmt.Sprintf("%d launch configurations, %d groups, %d triggers in %d sets", len(lcs.Items), len(groups.Items), len(triggers.Items), len(w.sets))

	// The API server: exactly the wanted objects, each Ready for its generation.
	check := func(kind, name string, want bool, obj harness.Object) {
		switch {
		case want && obj == nil:
			r.notReady = append(r.notReady, fmt.Sprintf("%s %s was created and never deleted, but is gone (the user's intent was lost)", kind, name))
		case !want && obj != nil && obj.GetDeletionTimestamp() != nil:
			r.notReady = append(r.notReady, fmt.Sprintf("%s %s is still being deleted (finalizers %v): %s", kind, name, obj.GetFinalizers(), readyMessage(obj.GetConditions())))
		case !want && obj != nil:
			r.notReady = append(r.notReady, fmt.Sprintf("%s %s exists but was never created or was deleted", kind, name))
		case want && !harness.IsReady(obj):
			r.notReady = append(r.notReady, fmt.Sprintf("%s %s (generation %d, observed %d): %s", kind, name, obj.GetGeneration(), obj.GetObservedGeneration(), readyMessage(obj.GetConditions())))
		}
	}
	names := map[string]bool{}
	for n := range w.sets {
		names[n] = true
	}
	for n := range lcByName {
		names[n] = true
	}
	for n := range groupByName {
		names[n] = true
	}
	for n := range triggerByName {
		names[n] = true
	}
	for _, name := range sortedKeys(names) {
		s := w.sets[name]
		if s == nil {
			s = &set{name: name}
		}
		// A missing object is a nil interface, not an interface holding a nil pointer.
		if o := lcByName[name]; o != nil {
			check("LaunchConfiguration", name, s.lc, o)
		} else {
			check("LaunchConfiguration", name, s.lc, nil)
		}
		if o := groupByName[name]; o != nil {
			check("AutoScalingGroup", name, s.group, o)
		} else {
			check("AutoScalingGroup", name, s.group, nil)
		}
		if o := triggerByName[name]; o != nil {
			check("Trigger", name, s.trigger, o)
		} else {
			check("Trigger", name, s.trigger, nil)
		}
	}

	// AWS: exactly what the wanted objects describe.
	snap := w.env.Emulator.Snapshot().Regions[harness.Region]
	used := map[string]bool{}
	for _, n := range w.used {
		used[n] = true
	}

	// Launch configurations: <namespace>-<name>-<10 hex digits>, no tags.
	lcName := regexp.MustCompile("^" + regexp.QuoteMeta(w.ns) + "-(.+)-[0-9a-f]{10}$")
	lcVersions := map[string][]string{}
	for name := range snap.LaunchConfigurations {
		m := lcName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if s := w.sets[m[1]]; s != nil && s.lc {
			lcVersions[m[1]] = append(lcVersions[m[1]], name)
		} else {
			r.leaks = append(r.leaks, "launch configuration "+name)
		}
	}
	for _, s := range w.sortedSets() {
		if !s.lc {
			continue
		}
		versions := lcVersions[s.name]
		sort.Strings(versions)
		o := lcByName[s.name]
		switch {
		case len(versions) == 0:
			r.missing = append(r.missing, "launch configuration of "+s.name)
		case len(versions) > 1:
			r.duplicates = append(r.duplicates, fmt.Sprintf("launch configuration %s has %d versions: %v", s.name, len(versions), versions))
		}
		if o == nil || o.Status.AWSName == "" {
			continue
		}
		lc, ok := snap.LaunchConfigurations[o.Status.AWSName]
		switch {
		case !ok:
			r.missing = append(r.missing, fmt.Sprintf("launch configuration %s (status.awsName of %s)", o.Status.AWSName, s.name))
		case lc.ImageID != o.Spec.ImageID || lc.InstanceType != o.Spec.InstanceType:
			r.missing = append(r.missing, fmt.Sprintf("launch configuration %s is %s/%s, spec of %s says %s/%s",
				lc.Name, lc.ImageID, lc.InstanceType, s.name, o.Spec.ImageID, o.Spec.InstanceType))
		}
	}

	// Groups: named as their object, owner tag <cluster>/<namespace>/<name>.
	for name, g := range snap.Groups {
		s := w.sets[name]
		ours := strings.HasPrefix(g.Tags[ec2v1alpha1.OwnerTagKey], "default/"+w.ns+"/") || used[name]
		if ours && (s == nil || !s.group) {
			r.leaks = append(r.leaks, fmt.Sprintf("group %s (tags %v, %d instances)", name, g.Tags, len(g.Instances)))
		}
	}
	for _, s := range w.sortedSets() {
		if !s.group {
			continue
		}
		g, ok := snap.Groups[s.name]
		if !ok {
			r.missing = append(r.missing, "group "+s.name)
			continue
		}
		if got := g.Tags[ec2v1alpha1.OwnerTagKey]; got != w.ownerTag(s.name) {
			r.missing = append(r.missing, fmt.Sprintf("owner tag of group %s: %q", s.name, got))
		}
		if o := groupByName[s.name]; o != nil {
			if diff := groupDiff(g, o, lcByName[o.Spec.LaunchConfigurationRef.Name]); diff != "" {
				r.missing = append(r.missing, fmt.Sprintf("group %s differs from its spec: %s", s.name, diff))
			}
		}
	}

	// Triggers: two policies <namespace>-<name>-{upper,lower} on the group, two alarms
	// <group>-<namespace>-<name>-{upper,lower} with the owner tag.
	policyName := regexp.MustCompile("^" + regexp.QuoteMeta(w.ns) + "-(.+)-(upper|lower)$")
	for gname, g := range snap.Groups {
		for _, p := range g.Policies {
			m := policyName.FindStringSubmatch(p.Name)
			if m == nil {
				continue
			}
			if s := w.sets[m[1]]; s == nil || !s.trigger || m[1] != gname {
				r.leaks = append(r.leaks, fmt.Sprintf("policy %s on group %s", p.Name, gname))
			}
		}
	}
	alarmsByOwner := map[string][]string{}
	alarmNames := map[string]bool{}
	for _, a := range snap.Alarms {
		alarmNames[a.Name] = true
		tags, err := alarmTags(ctx, cw, a)
		if err != nil {
			return r, err
		}
		owner := tags[ec2v1alpha1.OwnerTagKey]
		alarmsByOwner[owner] = append(alarmsByOwner[owner], a.Name)
		name, ok := strings.CutPrefix(owner, "default/"+w.ns+"/")
		ourName := false
		for n := range used {
			if a.Name == n+"-"+w.ns+"-"+n+"-upper" || a.Name == n+"-"+w.ns+"-"+n+"-lower" {
				ourName = true
			}
		}
		if (ok && (w.sets[name] == nil || !w.sets[name].trigger)) || (!ok && ourName) {
			r.leaks = append(r.leaks, fmt.Sprintf("alarm %s (owner %q)", a.Name, owner))
		}
	}
	for _, s := range w.sortedSets() {
		if !s.trigger {
			continue
		}
		for _, bound := range []string{"upper", "lower"} {
			alarm := s.name + "-" + w.ns + "-" + s.name + "-" + bound
			if !alarmNames[alarm] {
				r.missing = append(r.missing, "alarm "+alarm)
			}
			policy := w.ns + "-" + s.name + "-" + bound
			if !slices.ContainsFunc(snap.Groups[s.name].Policies, func(p emulator.PolicySnapshot) bool { return p.Name == policy }) {
				r.missing = append(r.missing, fmt.Sprintf("policy %s on group %s", policy, s.name))
			}
		}
		owned := alarmsByOwner[w.ownerTag(s.name)]
		switch {
		case len(owned) > 2:
			r.duplicates = append(r.duplicates, fmt.Sprintf("trigger %s owns %d alarms: %v", s.name, len(owned), owned))
		case len(owned) < 2:
			r.missing = append(r.missing, fmt.Sprintf("owner tag on the alarms of trigger %s (tagged: %v)", s.name, owned))
		}
	}
	sort.Strings(r.leaks)
	return r, nil
}

// groupDiff compares a group in AWS with its object's spec.
func groupDiff(g emulator.GroupSnapshot, o *ec2v1alpha1.AutoScalingGroup, lc *ec2v1alpha1.LaunchConfiguration) string {
	var diffs []string
	if g.MinSize != int(o.Spec.MinSize) || g.MaxSize != int(o.Spec.MaxSize) {
		diffs = append(diffs, fmt.Sprintf("size %d-%d, spec %d-%d", g.MinSize, g.MaxSize, o.Spec.MinSize, o.Spec.MaxSize))
	}
	if o.Spec.DesiredCapacity != nil && g.DesiredCapacity != int(*o.Spec.DesiredCapacity) {
		diffs = append(diffs, fmt.Sprintf("desired %d, spec %d", g.DesiredCapacity, *o.Spec.DesiredCapacity))
	}
	if lc != nil && g.LaunchConfigurationName != lc.Status.AWSName {
		diffs = append(diffs, fmt.Sprintf("launch configuration %s, want %s", g.LaunchConfigurationName, lc.Status.AWSName))
	}
	want := slices.Clone(o.Spec.AvailabilityZones)
	got := slices.Clone(g.AvailabilityZones)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		diffs = append(diffs, fmt.Sprintf("zones %v, spec %v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func alarmTags(ctx context.Context, cw *cloudwatch.Client, a emulator.AlarmSnapshot) (map[string]string, error) {
	out, err := cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(a.ARN)})
	if err != nil {
		return nil, fmt.Errorf("tags of alarm %s: %w", a.Name, err)
	}
	tags := map[string]string{}
	for _, t := range out.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}

func (w *workload) sortedSets() []*set { return w.liveSets(func(*set) bool { return true }) }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func readyMessage(conds []metav1.Condition) string {
	c := meta.FindStatusCondition(conds, ec2v1alpha1.ConditionReady)
	if c == nil {
		return "no Ready condition"
	}
	return fmt.Sprintf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
}
