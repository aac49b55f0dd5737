package emulator

import (
	"slices"
	"strconv"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// refreshPreferencesXML is the subset of RefreshPreferences the emulator honours, echoed back with
// AWS's defaults filled in.
type refreshPreferencesXML struct {
	MinHealthyPercentage      int    `xml:"MinHealthyPercentage" json:"minHealthyPercentage"`
	InstanceWarmup            *int   `xml:"InstanceWarmup,omitempty" json:"instanceWarmup,omitempty"`
	SkipMatching              bool   `xml:"SkipMatching" json:"skipMatching"`
	AutoRollback              bool   `xml:"AutoRollback" json:"autoRollback"`
	ScaleInProtectedInstances string `xml:"ScaleInProtectedInstances" json:"scaleInProtectedInstances"`
	StandbyInstances          string `xml:"StandbyInstances" json:"standbyInstances"`
	MaxHealthyPercentage      int    `xml:"MaxHealthyPercentage" json:"maxHealthyPercentage"`
}

type instanceRefreshXML struct {
	InstanceRefreshID    string                `xml:"InstanceRefreshId"`
	AutoScalingGroupName string                `xml:"AutoScalingGroupName"`
	Status               string                `xml:"Status"`
	StatusReason         string                `xml:"StatusReason,omitempty"`
	StartTime            wire.Time             `xml:"StartTime"`
	EndTime              *wire.Time            `xml:"EndTime,omitempty"`
	PercentageComplete   int                   `xml:"PercentageComplete"`
	InstancesToUpdate    int                   `xml:"InstancesToUpdate"`
	Preferences          refreshPreferencesXML `xml:"Preferences"`
	DesiredConfiguration *struct {
		LaunchTemplate *launchTemplateSpec `xml:"LaunchTemplate,omitempty"`
	} `xml:"DesiredConfiguration,omitempty"`
	Strategy string `xml:"Strategy"`
}

func refreshToXML(r *instanceRefresh) instanceRefreshXML {
	pct := 100
	if r.Total > 0 && r.Status != refreshSuccessful {
		pct = r.Done * 100 / r.Total
	}
	x := instanceRefreshXML{
		InstanceRefreshID:    r.ID,
		AutoScalingGroupName: r.GroupName,
		Status:               r.Status,
		StatusReason:         r.StatusReason,
		StartTime:            wire.Time(r.Start),
		EndTime:              wire.OptTime(r.End),
		PercentageComplete:   pct,
		InstancesToUpdate:    r.InstancesToUpdate,
		Preferences:          r.Preferences,
		Strategy:             r.Strategy,
	}
	if r.Status == refreshPending {
		x.PercentageComplete = 0
	}
	if r.DesiredLaunchTemplate != nil {
		x.DesiredConfiguration = &struct {
			LaunchTemplate *launchTemplateSpec `xml:"LaunchTemplate,omitempty"`
		}{r.DesiredLaunchTemplate}
	}
	return x
}

func (e *Emulator) startInstanceRefresh(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	strategy := optString(q, "Strategy", 0)
	checkEnum(q, "Strategy", strategy, "Rolling", "ReplaceRootVolume")
	prefs := q.Sub("Preferences")
	minHealthy := prefs.OptInt("MinHealthyPercentage")
	warmup := prefs.OptInt("InstanceWarmup")
	maxHealthy := prefs.OptInt("MaxHealthyPercentage")
	skip := boolOr(prefs.OptBool("SkipMatching"), false)
	checkRange(q, "Preferences.MinHealthyPercentage", minHealthy, 0, 100)
	checkRange(q, "Preferences.MaxHealthyPercentage", maxHealthy, 100, 200)
	checkRange(q, "Preferences.InstanceWarmup", warmup, 0, 1<<31-1)
	var desiredLT *launchTemplateSpec
	if dc := q.Sub("DesiredConfiguration"); q.Has("DesiredConfiguration") {
		if dc.Has("MixedInstancesPolicy") {
			q.Fail(validationError("DesiredConfiguration.MixedInstancesPolicy is not supported by the emulator; use DesiredConfiguration.LaunchTemplate."))
		}
		desiredLT = readTemplateSpec(dc)
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	if strategy == "ReplaceRootVolume" {
		return nil, validationError("The ReplaceRootVolume strategy is not supported by the emulator; use Rolling.")
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, err
	}
	if g.activeRefresh() != nil {
		return nil, senderError("InstanceRefreshInProgress", "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.")
	}
	if desiredLT != nil {
		if g.LaunchConfigurationName != "" {
			return nil, validationError("DesiredConfiguration.LaunchTemplate cannot replace the launch configuration of group %s; update the group to a launch template first.", g.Name)
		}
		if desiredLT, err = rs.checkTemplate(desiredLT); err != nil {
			return nil, err
		}
		// The emulator moves the group to the desired configuration when the refresh starts, so
		// every replacement launches from it.
		g.LaunchTemplate = desiredLT
	}
	if warmup == nil {
		warmup = ptr(intOr(g.DefaultInstanceWarmup, g.HealthCheckGracePeriod))
	}
	r := &instanceRefresh{
		ID:                   uuid(),
		GroupName:            g.Name,
		Status:               refreshPending,
		Start:                now,
		MinHealthyPercentage: intOr(minHealthy, 90),
		InstanceWarmup:       *warmup,
		SkipMatching:         skip,
		Strategy:             "Rolling",
		Preferences: refreshPreferencesXML{
			MinHealthyPercentage:      intOr(minHealthy, 90),
			InstanceWarmup:            warmup,
			SkipMatching:              skip,
			ScaleInProtectedInstances: "Ignore",
			StandbyInstances:          "Ignore",
			MaxHealthyPercentage:      intOr(maxHealthy, 100),
		},
		DesiredLaunchTemplate: desiredLT,
	}
	for _, in := range g.Instances {
		// Protected instances are left alone (ScaleInProtectedInstances=Ignore, AWS's default).
		if in.live() && !in.Protected && (!skip || !rs.runsGroupConfig(g, in)) {
			r.Old = append(r.Old, in.ID)
		}
	}
	r.Total, r.InstancesToUpdate = len(r.Old), len(r.Old)
	g.Refreshes = append(g.Refreshes, r)
	return struct {
		InstanceRefreshID string `xml:"InstanceRefreshId"`
	}{r.ID}, nil
}

// runsGroupConfig reports whether the instance already runs what the group launches now: its
// launch configuration, or the version of its template that $Latest or $Default resolves to now
// (what SkipMatching skips).
func (rs *regionState) runsGroupConfig(g *asGroup, in *instance) bool {
	if g.LaunchTemplate == nil {
		return in.LaunchConfigurationName == g.LaunchConfigurationName
	}
	if in.LaunchTemplate == nil || in.LaunchTemplate.LaunchTemplateID != g.LaunchTemplate.LaunchTemplateID {
		return false
	}
	lt, err := rs.ec2.findTemplate(g.LaunchTemplate.LaunchTemplateID, "")
	if err != nil {
		return false
	}
	v, _ := lt.resolve(g.LaunchTemplate.Version)
	return v != nil && in.LaunchTemplate.Version == strconv.FormatInt(v.Number, 10)
}

func (e *Emulator) describeInstanceRefreshes(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	ids := q.List("InstanceRefreshIds")
	max := maxRecords(q, 50, 100)
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, err
	}
	var matched []*instanceRefresh
	for i := len(g.Refreshes) - 1; i >= 0; i-- { // newest first, as AWS lists them
		if len(ids) == 0 || slices.Contains(ids, g.Refreshes[i].ID) {
			matched = append(matched, g.Refreshes[i])
		}
	}
	page, next, err := paginate(matched, func(r *instanceRefresh) string { return r.ID }, false, q.Str("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := struct {
		InstanceRefreshes wire.List[instanceRefreshXML] `xml:"InstanceRefreshes"`
		NextToken         string                        `xml:"NextToken,omitempty"`
	}{InstanceRefreshes: wire.List[instanceRefreshXML]{}, NextToken: next}
	for _, r := range page {
		out.InstanceRefreshes = append(out.InstanceRefreshes, refreshToXML(r))
	}
	return out, nil
}

func (e *Emulator) cancelInstanceRefresh(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	if err := q.Err(); err != nil {
		return nil, err
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, err
	}
	r := g.activeRefresh()
	if r == nil {
		return nil, senderError("ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group %s", g.Name)
	}
	// Instances already replaced stay replaced; the emulator finishes cancelling at once.
	r.Status, r.End, r.StatusReason = refreshCancelled, now, "Cancelled due to user request."
	return struct {
		InstanceRefreshID string `xml:"InstanceRefreshId"`
	}{r.ID}, nil
}
