package controllers

import (
	"maps"
	"slices"
	"strings"
	"time"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

// maxInstancesInStatus caps status.instances so a big group never pushes the object past etcd's
// size limit; status.instanceCounts stays complete.
const maxInstancesInStatus = 100

// defaultActivityHistoryLimit applies when spec.activityHistoryLimit is unset (the CRD defaults it too).
const defaultActivityHistoryLimit = 10

// summarizeInstances returns at most max instances (sorted by ID, so status does not churn when
// AWS reorders them), the complete counts by lifecycle state, and the InService count.
func summarizeInstances(all []ec2v1alpha1.InstanceStatus, max int) ([]ec2v1alpha1.InstanceStatus, map[string]int32, int32) {
	if len(all) == 0 {
		return nil, nil, 0
	}
	counts := map[string]int32{}
	for _, in := range all {
		state := in.LifecycleState
		if state == "" {
			state = "Unknown"
		}
		counts[state]++
	}
	sorted := slices.Clone(all)
	slices.SortFunc(sorted, func(a, b ec2v1alpha1.InstanceStatus) int { return strings.Compare(a.InstanceID, b.InstanceID) })
	if len(sorted) > max {
		sorted = sorted[:max]
	}
	return sorted, counts, counts[cloud.LifecycleInService]
}

// anyActivityInProgress reports whether some activity has not finished.
func anyActivityInProgress(acts []ec2v1alpha1.Activity) bool {
	return slices.ContainsFunc(acts, func(a ec2v1alpha1.Activity) bool { return !cloud.ActivityDone(a) })
}

// activitiesSince is the point from which to ask AWS for activities: the start of the oldest
// activity still in progress (its outcome is news), else the newest known start. A second of
// slack keeps an activity that started exactly then; merging drops the duplicates.
func activitiesSince(known []ec2v1alpha1.Activity) time.Time {
	var since time.Time
	var oldestOpen time.Time
	for _, a := range known {
		if a.StartTime == nil {
			continue
		}
		t := a.StartTime.Time
		if t.After(since) {
			since = t
		}
		if !cloud.ActivityDone(a) && (oldestOpen.IsZero() || t.Before(oldestOpen)) {
			oldestOpen = t
		}
	}
	if !oldestOpen.IsZero() {
		since = oldestOpen
	}
	if since.IsZero() {
		return since
	}
	return since.Add(-time.Second)
}

// mergeActivities merges the activities AWS just returned into the known ones: a fresh copy of an
// activity replaces the old one, none is lost between syncs, the result is newest first and at
// most limit long. added lists, oldest first, the activities not known before: each gets one Event.
func mergeActivities(known, fetched []ec2v1alpha1.Activity, limit int) (merged, added []ec2v1alpha1.Activity) {
	byID := make(map[string]ec2v1alpha1.Activity, len(known)+len(fetched))
	for _, a := range known {
		byID[a.ActivityID] = a
	}
	for _, a := range fetched {
		if _, ok := byID[a.ActivityID]; !ok {
			added = append(added, a)
		}
		byID[a.ActivityID] = a
	}
	merged = slices.Collect(maps.Values(byID))
	slices.SortFunc(merged, compareActivitiesNewestFirst)
	if limit < 0 {
		limit = 0
	}
	if len(merged) > limit {
		merged = merged[:limit]
	}
	if len(merged) == 0 {
		merged = nil
	}
	slices.SortFunc(added, func(a, b ec2v1alpha1.Activity) int { return compareActivitiesNewestFirst(b, a) })
	return merged, added
}

func compareActivitiesNewestFirst(a, b ec2v1alpha1.Activity) int {
	var ta, tb time.Time
	if a.StartTime != nil {
		ta = a.StartTime.Time
	}
	if b.StartTime != nil {
		tb = b.StartTime.Time
	}
	if c := tb.Compare(ta); c != 0 {
		return c
	}
	return strings.Compare(b.ActivityID, a.ActivityID)
}

// activityEventNote is the Event text of a new activity, without anything from user data.
func activityEventNote(a ec2v1alpha1.Activity) string {
	note := a.Description
	if a.StatusCode != "" {
		note += " (" + a.StatusCode + ")"
	}
	if a.Cause != "" {
		note += ": " + a.Cause
	}
	return truncateMessage(note)
}
