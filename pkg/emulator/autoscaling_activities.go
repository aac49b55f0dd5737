package emulator

import (
	"slices"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// activityRetention is how long AWS keeps scaling activities.
const activityRetention = 6 * 7 * 24 * time.Hour

func (e *Emulator) describeScalingActivities(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	ids := q.List("ActivityIds")
	name := optString(q, "AutoScalingGroupName", 255)
	includeDeleted := boolOr(q.OptBool("IncludeDeletedGroups"), false)
	max := maxRecords(q, 100, 100)
	filters := readFilters(q)
	if err := q.Err(); err != nil {
		return nil, err
	}
	var groupARN string
	if name != "" {
		g, err := rs.lookupGroup(name)
		switch {
		case err == nil:
			groupARN = g.ARN
		case !includeDeleted:
			// AWS answers an empty list, not an error, for a group that does not exist.
			return activitiesResult{Activities: wire.List[activityXML]{}}, nil
		}
	}
	for _, f := range filters {
		if f.name != "tag-key" && f.name != "tag-value" && !startsWith(f.name, "tag:") {
			return nil, validationError("Filter name %s is not valid: use tag-key, tag-value or tag:<key>.", f.name)
		}
	}
	e.pruneActivities(rs, now)

	var matched []*activity
	for i := len(rs.as.Activities) - 1; i >= 0; i-- { // newest first
		a := rs.as.Activities[i]
		switch {
		case len(ids) > 0 && !slices.Contains(ids, a.ID):
		case a.GroupDeleted && !includeDeleted:
		case name != "" && a.GroupName != name && a.GroupARN != name && a.GroupARN != groupARN:
		case len(filters) > 0 && !activityGroupMatches(rs, a, filters):
		default:
			matched = append(matched, a)
		}
	}
	page, next, err := paginate(matched, func(a *activity) string { return a.ID }, false, q.Str("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := activitiesResult{Activities: wire.List[activityXML]{}, NextToken: next}
	for _, a := range page {
		out.Activities = append(out.Activities, e.activityToXML(rs, a))
	}
	return out, nil
}

type activitiesResult struct {
	Activities wire.List[activityXML] `xml:"Activities"`
	NextToken  string                 `xml:"NextToken,omitempty"`
}

func activityGroupMatches(rs *regionState, a *activity, filters []filter) bool {
	g, ok := rs.as.Groups[a.GroupName]
	return ok && g.ARN == a.GroupARN && groupMatches(g, filters)
}

func startsWith(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// pruneActivities drops finished activities older than AWS's retention, so a long-running
// emulator's memory (and state file) stays bounded.
func (e *Emulator) pruneActivities(rs *regionState, now time.Time) {
	cutoff := now.Add(-activityRetention)
	keep := rs.as.Activities[:0]
	for _, a := range rs.as.Activities {
		if a.StatusCode == activityInProgress || a.Start.After(cutoff) {
			keep = append(keep, a)
		}
	}
	clear(rs.as.Activities[len(keep):])
	rs.as.Activities = keep
}
