package controllers

import (
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

func TestNewlyFinished(t *testing.T) {
	act := func(id, status string) ec2v1alpha1.Activity {
		return ec2v1alpha1.Activity{ActivityID: id, StatusCode: status}
	}
	cases := []struct {
		name       string
		prev, next []ec2v1alpha1.Activity
		want       []string
	}{
		{"nothing", nil, nil, nil},
		{"first seen finished", nil, []ec2v1alpha1.Activity{act("a", "Successful")}, []string{"a"}},
		{"first seen in progress", nil, []ec2v1alpha1.Activity{act("a", "InProgress")}, nil},
		{"finishes later", []ec2v1alpha1.Activity{act("a", "InProgress")}, []ec2v1alpha1.Activity{act("a", "Failed")}, []string{"a"}},
		{"already counted", []ec2v1alpha1.Activity{act("a", "Successful")}, []ec2v1alpha1.Activity{act("a", "Successful")}, nil},
		{"mixed", []ec2v1alpha1.Activity{act("a", "Successful"), act("b", "PreInService")},
			[]ec2v1alpha1.Activity{act("c", "Cancelled"), act("b", "Successful"), act("a", "Successful")}, []string{"c", "b"}},
	}
	for _, tc := range cases {
		var got []string
		for _, a := range newlyFinished(tc.prev, tc.next) {
			got = append(got, a.ActivityID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: newlyFinished = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestGroupSeriesAreForgottenWithTheGroup(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: "ns", Name: "g"}
	next := &ec2v1alpha1.AutoScalingGroupStatus{
		DesiredCapacity: ptr.To[int32](4), InServiceCount: 3,
		Activities: []ec2v1alpha1.Activity{{ActivityID: "a", StatusCode: "Failed"}},
	}
	m.observeGroup(key, &ec2v1alpha1.AutoScalingGroupStatus{}, next)
	if got := testutil.ToFloat64(m.desired.WithLabelValues("ns", "g")); got != 4 {
		t.Errorf("desired = %v, want 4", got)
	}
	if got := testutil.ToFloat64(m.activities.WithLabelValues("ns", "g", "Failed")); got != 1 {
		t.Errorf("failed activities = %v, want 1", got)
	}
	// A same-named object of another kind going away leaves the group's series alone.
	m.observe("LaunchConfiguration", key, "")
	if n := testutil.CollectAndCount(m.inService); n != 1 {
		t.Errorf("%d in-service series after a launch configuration was forgotten, want 1", n)
	}
	m.observe(kindGroup, key, "")
	for name, c := range map[string]prometheus.Collector{"desired": m.desired, "inService": m.inService, "activities": m.activities} {
		if n := testutil.CollectAndCount(c); n != 0 {
			t.Errorf("%s: %d series left after the group was forgotten", name, n)
		}
	}
}
