package emulator

import (
	"slices"
	"strconv"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

func (e *Emulator) createOrUpdateTags(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	specs := readTags(q)
	if len(specs) == 0 {
		q.Fail(memberNull("Tags"))
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	byGroup, order, err := tagsByGroup(rs, specs)
	if err != nil {
		return nil, err
	}
	// Check every group's limit before changing any, so a failed call changes nothing.
	for _, g := range order {
		if err := setTags(&asGroup{Name: g.Name, Tags: g.Tags}, byGroup[g]); err != nil {
			return nil, err
		}
	}
	for _, g := range order {
		_ = setTags(g, byGroup[g])
	}
	return nil, nil
}

func (e *Emulator) deleteTags(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	specs := readTags(q)
	if len(specs) == 0 {
		q.Fail(memberNull("Tags"))
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	byGroup, order, err := tagsByGroup(rs, specs)
	if err != nil {
		return nil, err
	}
	for _, g := range order {
		for _, t := range byGroup[g] {
			// AWS deletes by key; a Value, if sent, is ignored.
			g.Tags = slices.DeleteFunc(g.Tags, func(x tag) bool { return x.Key == t.Key })
		}
	}
	return nil, nil
}

// tagsByGroup resolves each tag's ResourceId (a group name) and checks its ResourceType.
func tagsByGroup(rs *regionState, specs []tagSpec) (map[*asGroup][]tag, []*asGroup, *APIError) {
	byGroup := map[*asGroup][]tag{}
	var order []*asGroup
	for _, s := range specs {
		if s.resourceID == "" {
			return nil, nil, validationError("ResourceId is required for each tag: set it to the Auto Scaling group's name.")
		}
		if s.resourceType == "" {
			return nil, nil, validationError("ResourceType is required for each tag: set it to auto-scaling-group.")
		}
		g, ok := rs.as.Groups[s.resourceID]
		if !ok {
			return nil, nil, validationError("Auto Scaling group %s does not exist (tag ResourceId).", s.resourceID)
		}
		if _, seen := byGroup[g]; !seen {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], s.tag)
	}
	return byGroup, order, nil
}

func (e *Emulator) describeTags(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	filters := readFilters(q)
	max := maxRecords(q, 50, 100)
	if err := q.Err(); err != nil {
		return nil, err
	}
	for _, f := range filters {
		switch f.name {
		case "auto-scaling-group", "key", "value", "propagate-at-launch":
		default:
			return nil, validationError("Filter name %s is not valid: use auto-scaling-group, key, value or propagate-at-launch.", f.name)
		}
	}
	var all []tagDescriptionXML
	for _, g := range rs.sortedGroups() {
		for _, t := range g.Tags {
			if tagMatches(g, t, filters) {
				all = append(all, tagToXML(g, t))
			}
		}
	}
	// Group names cannot contain newlines, so name+"\n"+key sorts like the listing and is unique.
	key := func(t tagDescriptionXML) string { return t.ResourceID + "\n" + t.Key }
	page, next, err := paginate(all, key, true, q.Str("NextToken"), max)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags      wire.List[tagDescriptionXML] `xml:"Tags"`
		NextToken string                       `xml:"NextToken,omitempty"`
	}{Tags: append(wire.List[tagDescriptionXML]{}, page...), NextToken: next}, nil
}

func tagMatches(g *asGroup, t tag, filters []filter) bool {
	for _, f := range filters {
		var v string
		switch f.name {
		case "auto-scaling-group":
			v = g.Name
		case "key":
			v = t.Key
		case "value":
			v = t.Value
		case "propagate-at-launch":
			v = strconv.FormatBool(t.PropagateAtLaunch)
		}
		if !slices.Contains(f.values, v) {
			return false
		}
	}
	return true
}
