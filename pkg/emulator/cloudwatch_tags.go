package emulator

import (
	"slices"
	"strings"
	"time"
)

// Alarm tags, which the operator uses to mark the alarms it owns. CloudWatch tags dashboards,
// metric streams and Contributor Insights rules too; the emulator has only alarms.

type tagResourceInput struct {
	ResourceARN string
	Tags        []cwTag
}

type untagResourceInput struct {
	ResourceARN string
	TagKeys     []string
}

type listTagsForResourceInput struct {
	ResourceARN string
}

type listTagsForResourceOutput struct {
	Tags []cwTag
}

// maxAlarmTags is AWS's limit on tags per alarm.
const maxAlarmTags = 50

// taggedAlarm finds the alarm an ARN names, or fails the way AWS does for tagging actions.
func taggedAlarm(rs *regionState, arn string) (*cwAlarm, *APIError) {
	var v cwValidator
	v.required("ResourceARN", arn != "")
	v.length("ResourceARN", arn, 1, 1024)
	if v.err != nil {
		return nil, v.err
	}
	_, name, _ := strings.Cut(arn, ":alarm:")
	if a, ok := rs.cw.Alarms[name]; ok && a.AlarmArn == arn {
		return a, nil
	}
	return nil, &APIError{Code: "ResourceNotFoundException", Status: 404, Sender: true,
		Message: "The resource " + truncate(arn, 256) + " does not exist: the emulator tags alarms, named arn:aws:cloudwatch:<region>:<account>:alarm:<name> (check the region too)."}
}

func (e *Emulator) tagResource(rs *regionState, in *tagResourceInput, _ time.Time) (*noOutput, *APIError) {
	a, err := taggedAlarm(rs, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	var v cwValidator
	v.required("Tags", in.Tags != nil)
	for _, t := range in.Tags {
		v.required("Tags.member.Key", t.Key != "")
		v.length("Tags.member.Key", t.Key, 1, 128)
		v.length("Tags.member.Value", t.Value, 0, 256)
	}
	if v.err != nil {
		return nil, v.err
	}
	tags := slices.Clone(a.Tags)
	for _, t := range in.Tags {
		if i := slices.IndexFunc(tags, func(old cwTag) bool { return old.Key == t.Key }); i >= 0 {
			tags[i].Value = t.Value
		} else {
			tags = append(tags, t)
		}
	}
	if len(tags) > maxAlarmTags {
		return nil, invalidParameterValue("An alarm can have at most %d tags; this request would give %s %d. Remove tags with UntagResource first.", maxAlarmTags, a.AlarmName, len(tags))
	}
	a.Tags = tags
	return &noOutput{}, nil
}

func (e *Emulator) untagResource(rs *regionState, in *untagResourceInput, _ time.Time) (*noOutput, *APIError) {
	a, err := taggedAlarm(rs, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	var v cwValidator
	v.required("TagKeys", in.TagKeys != nil)
	for _, k := range in.TagKeys {
		v.length("TagKeys.member", k, 1, 128)
	}
	if v.err != nil {
		return nil, v.err
	}
	a.Tags = slices.DeleteFunc(slices.Clone(a.Tags), func(t cwTag) bool { return slices.Contains(in.TagKeys, t.Key) })
	return &noOutput{}, nil
}

func (e *Emulator) listTagsForResource(rs *regionState, in *listTagsForResourceInput, _ time.Time) (*listTagsForResourceOutput, *APIError) {
	a, err := taggedAlarm(rs, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return &listTagsForResourceOutput{Tags: nonNil(slices.Clone(a.Tags))}, nil
}
