package wire

import (
	"reflect"
	"testing"
)

type dimension struct{ Name, Value string }

type tag struct{ Key, Value string }

// alarmInput is shaped like CloudWatch's PutMetricAlarmInput: field names are member names.
type alarmInput struct {
	AlarmName         string
	ActionsEnabled    *bool
	OKActions         []string
	AlarmActions      []string
	Period            *int32
	EvaluationPeriods *int32
	DatapointsToAlarm *int32
	Threshold         *float64
	Dimensions        []dimension
	Tags              []tag
	unexported        string //nolint:unused // FromForm must skip it
}

func TestFromFormQuery(t *testing.T) {
	form := mustForm(t, "AlarmName=a&OKActions=&Period=60&Threshold=-1.5&ActionsEnabled=false"+
		"&Dimensions.member.2.Name=B&Dimensions.member.2.Value=2&Dimensions.member.1.Name=A&Dimensions.member.1.Value=1"+
		"&Tags.member.1.Key=team")
	var in alarmInput
	q := QueryArgs(form)
	FromForm(reflect.ValueOf(&in).Elem(), q)
	if q.Err() != nil {
		t.Fatalf("FromForm: %v", q.Err())
	}
	switch {
	case in.AlarmName != "a" || *in.Period != 60 || *in.Threshold != -1.5 || *in.ActionsEnabled:
		t.Errorf("scalars: %+v", in)
	case in.OKActions == nil || len(in.OKActions) != 0:
		t.Errorf("OKActions= must be an empty list (Query's way to clear a list), got %#v", in.OKActions)
	case in.AlarmActions != nil:
		t.Errorf("AlarmActions was not sent, got %#v", in.AlarmActions)
	case len(in.Dimensions) != 2 || in.Dimensions[0] != (dimension{"A", "1"}) || in.Dimensions[1] != (dimension{"B", "2"}):
		t.Errorf("Dimensions in member order: %+v", in.Dimensions)
	case len(in.Tags) != 1 || in.Tags[0] != (tag{Key: "team"}):
		t.Errorf("Tags: %+v", in.Tags)
	case in.EvaluationPeriods != nil || in.DatapointsToAlarm != nil:
		t.Errorf("unsent numbers must stay nil: %+v", in)
	}
}
