package controllers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

func TestSummarizeInstances(t *testing.T) {
	var all []ec2v1alpha1.InstanceStatus
	for i := 150; i > 0; i-- {
		state := "InService"
		switch {
		case i%10 == 0:
			state = "Pending"
		case i%15 == 0:
			state = "Terminating"
		}
		all = append(all, ec2v1alpha1.InstanceStatus{InstanceID: fmt.Sprintf("i-%04d", i), LifecycleState: state})
	}
	list, counts, inService := summarizeInstances(all, 100)
	if len(list) != 100 {
		t.Fatalf("got %d instances, want 100", len(list))
	}
	if list[0].InstanceID != "i-0001" || list[99].InstanceID != "i-0100" {
		t.Errorf("not sorted by ID: first %s last %s", list[0].InstanceID, list[99].InstanceID)
	}
	var total int32
	for _, n := range counts {
		total += n
	}
	if total != 150 {
		t.Errorf("counts add up to %d, want 150", total)
	}
	if counts["Pending"] != 15 || counts["Terminating"] != 5 || inService != 130 {
		t.Errorf("counts %v inService %d", counts, inService)
	}
	if l, c, n := summarizeInstances(nil, 100); l != nil || c != nil || n != 0 {
		t.Errorf("empty group summarised as %v %v %d", l, c, n)
	}
}

func act(id string, start int, code string) ec2v1alpha1.Activity {
	ts := metav1.NewTime(time.Date(2025, 1, 1, 0, start, 0, 0, time.UTC))
	return ec2v1alpha1.Activity{ActivityID: id, StartTime: &ts, StatusCode: code}
}

func ids(acts []ec2v1alpha1.Activity) string {
	var s []string
	for _, a := range acts {
		s = append(s, a.ActivityID+":"+a.StatusCode)
	}
	return strings.Join(s, ",")
}

func TestMergeActivities(t *testing.T) {
	tests := []struct {
		name        string
		known       []ec2v1alpha1.Activity
		fetched     []ec2v1alpha1.Activity
		limit       int
		wantMerged  string
		wantAddedID string
	}{
		{
			name:        "first fetch",
			fetched:     []ec2v1alpha1.Activity{act("b", 2, "InProgress"), act("a", 1, "Successful")},
			limit:       10,
			wantMerged:  "b:InProgress,a:Successful",
			wantAddedID: "a:Successful,b:InProgress",
		},
		{
			name:        "update in place, keep older",
			known:       []ec2v1alpha1.Activity{act("b", 2, "InProgress"), act("a", 1, "Successful")},
			fetched:     []ec2v1alpha1.Activity{act("c", 3, "InProgress"), act("b", 2, "Successful")},
			limit:       10,
			wantMerged:  "c:InProgress,b:Successful,a:Successful",
			wantAddedID: "c:InProgress",
		},
		{
			name:       "bounded",
			known:      []ec2v1alpha1.Activity{act("b", 2, "Successful"), act("a", 1, "Successful")},
			fetched:    []ec2v1alpha1.Activity{act("d", 4, "Successful"), act("c", 3, "Successful")},
			limit:      3,
			wantMerged: "d:Successful,c:Successful,b:Successful", wantAddedID: "c:Successful,d:Successful",
		},
		{
			name:       "limit zero",
			fetched:    []ec2v1alpha1.Activity{act("a", 1, "Successful")},
			limit:      0,
			wantMerged: "", wantAddedID: "a:Successful",
		},
		{
			name:       "nothing new",
			known:      []ec2v1alpha1.Activity{act("a", 1, "Successful")},
			fetched:    []ec2v1alpha1.Activity{act("a", 1, "Successful")},
			limit:      10,
			wantMerged: "a:Successful", wantAddedID: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			merged, added := mergeActivities(tt.known, tt.fetched, tt.limit)
			if got := ids(merged); got != tt.wantMerged {
				t.Errorf("merged = %s, want %s", got, tt.wantMerged)
			}
			if got := ids(added); got != tt.wantAddedID {
				t.Errorf("added = %s, want %s", got, tt.wantAddedID)
			}
		})
	}
}

func TestActivitiesSince(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2025, 1, 1, 0, m, 0, 0, time.UTC).Add(-time.Second) }
	if got := activitiesSince(nil); !got.IsZero() {
		t.Errorf("no activities: since %v, want zero", got)
	}
	done := []ec2v1alpha1.Activity{act("b", 5, "Successful"), act("a", 1, "Successful")}
	if got := activitiesSince(done); !got.Equal(at(5)) {
		t.Errorf("all finished: since %v, want %v", got, at(5))
	}
	open := []ec2v1alpha1.Activity{act("c", 7, "Successful"), act("b", 5, "InProgress"), act("a", 3, "PreInService")}
	if got := activitiesSince(open); !got.Equal(at(3)) {
		t.Errorf("in progress: since %v, want %v", got, at(3))
	}
}

func TestReadyTransitionWarning(t *testing.T) {
	aws := &metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: ec2v1alpha1.ReasonAWSError, Message: "AWS Throttling: Rate exceeded"}
	tests := []struct {
		name          string
		before, after *metav1.Condition
		want          bool
	}{
		{"new error", nil, aws, true},
		{"same error again", aws, aws, false},
		{"different message", aws, &metav1.Condition{Status: metav1.ConditionFalse, Reason: ec2v1alpha1.ReasonAWSError, Message: "AWS InternalFailure: x"}, true},
		{"progress is not a warning", nil, &metav1.Condition{Status: metav1.ConditionFalse, Reason: ec2v1alpha1.ReasonProgressing}, false},
		{"ready", aws, &metav1.Condition{Status: metav1.ConditionTrue, Reason: ec2v1alpha1.ReasonReconciled}, false},
	}
	for _, tt := range tests {
		if got := readyTransitionWarning(tt.before, tt.after); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestConditionsKstatus(t *testing.T) {
	g := &ec2v1alpha1.AutoScalingGroup{}
	g.Generation = 3
	c := newConditions(g)
	c.markProgressing(ec2v1alpha1.ReasonProgressing, "working")
	if c.isReady() || c.isStalled() || len(g.Status.Conditions) != 2 {
		t.Fatalf("progressing: %+v", g.Status.Conditions)
	}
	if observedGenerationFor(c, 2) != 2 {
		t.Error("observedGeneration advanced before the generation was handled")
	}
	c.markStalled(ec2v1alpha1.ReasonInvalidSpec, strings.Repeat("x", 5000))
	if !c.isStalled() || len(c.ready().Message) > maxConditionMessage {
		t.Fatalf("stalled: %+v", g.Status.Conditions)
	}
	if observedGenerationFor(c, 2) != 3 {
		t.Error("stalled generation not observed")
	}
	c.markReady(ec2v1alpha1.ReasonReconciled, "ok")
	if !c.isReady() || len(g.Status.Conditions) != 1 {
		t.Fatalf("ready should leave only Ready: %+v", g.Status.Conditions)
	}
}
