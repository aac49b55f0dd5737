package wire

import (
	"reflect"
	"testing"
	"time"
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

// templateData is shaped like EC2's RequestLaunchTemplateData: singular list names on the wire
// and Go-style field names, mapped by query tags.
type templateData struct {
	ImageID          string          `query:"ImageId"`
	SecurityGroupIDs ItemSet[string] `query:"SecurityGroupId"`
	Mappings         []struct {
		DeviceName string
		Ebs        *struct {
			VolumeSize *int
			Encrypted  *bool
		}
	} `query:"BlockDeviceMapping"`
	Monitoring *struct{ Enabled *bool }
	Version    *int64
	ValidUntil *time.Time
	Internal   string `query:"-"`
}

func TestFromFormEC2(t *testing.T) {
	q := EC2Args(mustForm(t, "D.ImageId=ami-1&D.SecurityGroupId.2=sg-2&D.SecurityGroupId.1=sg-1"+
		"&D.BlockDeviceMapping.1.DeviceName=/dev/xvda&D.BlockDeviceMapping.1.Ebs.VolumeSize=8&D.BlockDeviceMapping.1.Ebs.Encrypted=true"+
		"&D.Monitoring.Enabled=false&D.Version=9007199254740993&D.ValidUntil=2026-11-26T10:00:00Z&D.Internal=x&D.Unknown=y"))
	var d templateData
	FromForm(reflect.ValueOf(&d).Elem(), q.Sub("D"))
	if q.Err() != nil {
		t.Fatalf("FromForm: %v", q.Err())
	}
	switch {
	case d.ImageID != "ami-1" || !reflect.DeepEqual(d.SecurityGroupIDs, ItemSet[string]{"sg-1", "sg-2"}):
		t.Errorf("scalars and lists: %+v", d)
	case len(d.Mappings) != 1 || d.Mappings[0].DeviceName != "/dev/xvda" || *d.Mappings[0].Ebs.VolumeSize != 8 || !*d.Mappings[0].Ebs.Encrypted:
		t.Errorf("BlockDeviceMapping: %+v", d.Mappings)
	case d.Monitoring == nil || *d.Monitoring.Enabled:
		t.Errorf("Monitoring: %+v", d.Monitoring)
	case *d.Version != 9007199254740993 || !d.ValidUntil.Equal(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)):
		t.Errorf("Long and timestamp: %v %v", *d.Version, d.ValidUntil)
	case d.Internal != "":
		t.Errorf(`query:"-" must be skipped, got %q`, d.Internal)
	}
	if got := q.Unread(); !reflect.DeepEqual(got, []string{"D.Internal", "D.Unknown"}) {
		t.Errorf("Unread: %q", got)
	}
}
