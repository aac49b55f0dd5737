package emulator

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// taggable finds the tags of an EC2 resource by id: launch templates and instances, the EC2
// resources the emulator has. A malformed or unknown id fails as AWS fails it.
func (s *ec2State) taggable(id string) (*[]ec2Tag, string, *APIError) {
	switch {
	case strings.HasPrefix(id, launchTemplateIDPrefix):
		if !launchTemplateIDPattern.MatchString(id) {
			return nil, "", malformedTemplateID(id)
		}
		lt, ok := s.LaunchTemplates[id]
		if !ok {
			return nil, "", templateIDNotFound(id)
		}
		return &lt.Tags, "launch-template", nil
	case strings.HasPrefix(id, "i-"):
		if !instanceIDPattern.MatchString(id) {
			return nil, "", senderError("InvalidInstanceID.Malformed", "Invalid id: %q (expecting \"i-...\")", truncate(id, 64))
		}
		in, ok := s.Instances[id]
		if !ok || !in.TerminatedAt.IsZero() {
			return nil, "", senderError("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
		}
		return &in.Tags, "instance", nil
	}
	// EC2's answer for an id of no resource type it knows.
	return nil, "", senderError("InvalidID", "The ID '%s' is not valid", truncate(id, 64))
}

// readResourceIDs reads ResourceId.N, which CreateTags and DeleteTags require.
func readResourceIDs(q wire.Args) []string {
	ids := q.List("ResourceId")
	if len(ids) == 0 {
		q.Fail(ec2MissingParameter("ResourceId"))
	}
	return ids
}

// tagResources finds every resource first, so one bad id changes nothing.
func (s *ec2State) tagResources(ids []string) ([]*[]ec2Tag, *APIError) {
	var out []*[]ec2Tag
	for _, id := range ids {
		tags, _, err := s.taggable(id)
		if err != nil {
			return nil, err
		}
		out = append(out, tags)
	}
	return out, nil
}

type ec2ReturnResult struct {
	Return bool `xml:"return"`
}

func (e *Emulator) createEC2Tags(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	ids := readResourceIDs(q)
	var tags []ec2Tag
	for _, t := range q.Members("Tag") {
		tags = append(tags, ec2Tag{Key: t.Str("Key"), Value: t.Str("Value")})
	}
	if len(tags) == 0 {
		q.Fail(ec2MissingParameter("Tag"))
	}
	checkEC2Tags(q, tags)
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	resources, err := rs.ec2.tagResources(ids)
	if err != nil {
		return nil, err
	}
	for _, r := range resources {
		if merged := mergeEC2Tags(*r, tags); userTags(merged) > maxEC2Tags {
			return nil, senderError("TagLimitExceeded", "The maximum number of tags (%d) for a resource has been exceeded.", maxEC2Tags)
		}
	}
	for _, r := range resources {
		*r = mergeEC2Tags(*r, tags)
	}
	return ec2ReturnResult{Return: true}, nil
}

// userTags counts the tags that count toward the limit: AWS's own (aws:) do not.
func userTags(tags []ec2Tag) int {
	n := 0
	for _, t := range tags {
		if !strings.HasPrefix(t.Key, "aws:") {
			n++
		}
	}
	return n
}

// deleteTags deletes tags by key; a tag sent with a value is deleted only if its value matches
// (an empty Value matches only an empty value), and no Tag at all deletes every user tag, as AWS
// documents.
func (e *Emulator) deleteEC2Tags(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	ids := readResourceIDs(q)
	type selector struct {
		key   string
		value *string
	}
	var selectors []selector
	for _, t := range q.Members("Tag") {
		s := selector{key: t.Str("Key"), value: t.OptStr("Value")}
		if strings.HasPrefix(strings.ToLower(s.key), "aws:") {
			q.Fail(senderError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for AWS use and cannot be deleted: %s", truncate(s.key, 128)))
		}
		selectors = append(selectors, s)
	}
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	resources, err := rs.ec2.tagResources(ids)
	if err != nil {
		return nil, err
	}
	for _, r := range resources {
		*r = slices.DeleteFunc(*r, func(t ec2Tag) bool {
			if strings.HasPrefix(t.Key, "aws:") {
				return false
			}
			if len(selectors) == 0 {
				return true
			}
			return slices.ContainsFunc(selectors, func(s selector) bool { return s.key == t.Key && (s.value == nil || *s.value == t.Value) })
		})
	}
	return ec2ReturnResult{Return: true}, nil
}

type tagDescriptionEC2XML struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

func (e *Emulator) describeEC2Tags(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	filters := readEC2Filters(q, "key", "resource-id", "resource-type", "value", "tag:")
	max := readMaxResults(q, 5, 1000, 1000)
	token := q.Str("NextToken")
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	var all []tagDescriptionEC2XML
	add := func(id, typ string, tags []ec2Tag) {
		for _, t := range tags {
			all = append(all, tagDescriptionEC2XML{ResourceID: id, ResourceType: typ, Key: t.Key, Value: t.Value})
		}
	}
	for _, lt := range rs.ec2.LaunchTemplates {
		add(lt.ID, "launch-template", lt.Tags)
	}
	for _, in := range rs.ec2.Instances {
		if in.TerminatedAt.IsZero() {
			add(in.ID, "instance", in.Tags)
		}
	}
	all = slices.DeleteFunc(all, func(d tagDescriptionEC2XML) bool { return !ec2TagMatches(d, filters) })
	key := func(d tagDescriptionEC2XML) string { return d.ResourceID + "\x00" + d.Key }
	sort.Slice(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
	page, next, err := ec2Page(all, key, token, max)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags      wire.ItemSet[tagDescriptionEC2XML] `xml:"tagSet"`
		NextToken string                             `xml:"nextToken,omitempty"`
	}{append(wire.ItemSet[tagDescriptionEC2XML]{}, page...), next}, nil
}

// ec2TagMatches applies DescribeTags' filters to one tag.
func ec2TagMatches(d tagDescriptionEC2XML, filters []filter) bool {
	for _, f := range filters {
		var ok bool
		switch f.name {
		case "key":
			ok = matchesAny(f.values, d.Key)
		case "value":
			ok = matchesAny(f.values, d.Value)
		case "resource-id":
			ok = matchesAny(f.values, d.ResourceID)
		case "resource-type":
			ok = matchesAny(f.values, d.ResourceType)
		default: // tag:<key>
			ok = d.Key == strings.TrimPrefix(f.name, "tag:") && matchesAny(f.values, d.Value)
		}
		if !ok {
			return false
		}
	}
	return true
}
