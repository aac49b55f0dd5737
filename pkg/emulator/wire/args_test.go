package wire

import (
	"net/url"
	"reflect"
	"testing"
)

func mustForm(t *testing.T, s string) url.Values {
	t.Helper()
	form, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return form
}

// The two dialects spell the same request differently and read the same.
func TestArgsDialects(t *testing.T) {
	for _, c := range []struct {
		name string
		args Args
	}{
		{"awsQuery", QueryArgs(mustForm(t, "Names.member.2=b&Names.member.10=c&Names.member.1=a"+
			"&Filters.member.1.Name=tag:team&Filters.member.1.Values.member.1=web&Filters.member.1.Values.member.2=api"+
			"&LaunchTemplate.Version=%24Latest&Empty="))},
		{"ec2Query", EC2Args(mustForm(t, "Names.2=b&Names.10=c&Names.1=a"+
			"&Filters.1.Name=tag:team&Filters.1.Values.1=web&Filters.1.Values.2=api"+
			"&LaunchTemplate.Version=%24Latest&Empty="))},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := c.args
			if got := q.List("Names"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
				t.Errorf("List: %q, want a, b, c in index order (10 after 2)", got)
			}
			filters := q.Members("Filters")
			if len(filters) != 1 || filters[0].Str("Name") != "tag:team" || !reflect.DeepEqual(filters[0].List("Values"), []string{"web", "api"}) {
				t.Errorf("Members: %d filters, first %q %q", len(filters), filters[0].Str("Name"), filters[0].List("Values"))
			}
			if filters[0].Name("Name") != "Filters"+q.r.member+"1.Name" {
				t.Errorf("Name: %q", filters[0].Name("Name"))
			}
			if v := q.Sub("LaunchTemplate").OptStr("Version"); v == nil || *v != "$Latest" {
				t.Errorf("Sub: %v", v)
			}
			if !q.Has("LaunchTemplate") || q.Has("Launch") || q.Has("MixedInstancesPolicy") {
				t.Errorf("Has: LaunchTemplate %v, Launch %v, MixedInstancesPolicy %v", q.Has("LaunchTemplate"), q.Has("Launch"), q.Has("MixedInstancesPolicy"))
			}
			if !q.SentEmpty("Empty") || q.SentEmpty("Names") || q.SentEmpty("Missing") {
				t.Errorf("SentEmpty: Empty %v, Names %v, Missing %v", q.SentEmpty("Empty"), q.SentEmpty("Names"), q.SentEmpty("Missing"))
			}
			if q.Err() != nil || len(q.Unread()) != 0 {
				t.Errorf("Err %v, Unread %q", q.Err(), q.Unread())
			}
		})
	}
}

func TestArgsMalformed(t *testing.T) {
	cases := []struct {
		name, form string
		read       func(Args)
		ec2        bool
		code, msg  string
	}{
		{"int", "MinSize=many", func(q Args) { q.OptInt("MinSize") }, false, "ValidationError",
			"Value 'many' for parameter MinSize is invalid: it must be a 32-bit integer."},
		{"int ec2", "MaxResults=many", func(q Args) { q.OptInt("MaxResults") }, true, "InvalidParameterValue",
			"Value 'many' for parameter MaxResults is invalid: it must be a 32-bit integer."},
		{"int64 nested", "A.B=9223372036854775808", func(q Args) { q.Sub("A").OptInt64("B") }, true, "InvalidParameterValue",
			"Value '9223372036854775808' for parameter A.B is invalid: it must be a 64-bit integer."},
		{"float", "X=NaN", func(q Args) { q.OptFloat("X") }, false, "ValidationError",
			"Value 'NaN' for parameter X is invalid: it must be a finite number."},
		{"bool", "ForceDelete=yes", func(q Args) { q.OptBool("ForceDelete") }, false, "ValidationError",
			"Value 'yes' for parameter ForceDelete is invalid: it must be true or false."},
		{"time", "StartTime=yesterday", func(q Args) { q.OptTime("StartTime") }, false, "ValidationError",
			"Value 'yesterday' for parameter StartTime is invalid: it must be an ISO 8601 timestamp such as 2026-01-02T15:04:05Z."},
		{"index", "Names.member.0=a", func(q Args) { q.List("Names") }, false, "ValidationError",
			"Parameter Names.member.0 has an invalid list index: lists are numbered Names.member.1, Names.member.2, ..."},
		{"huge index ec2", "InstanceId.99999999999=i-1", func(q Args) { q.List("InstanceId") }, true, "InvalidParameterValue",
			"Parameter InstanceId.99999999999 has an invalid list index: lists are numbered InstanceId.1, InstanceId.2, ..."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := QueryArgs(mustForm(t, c.form))
			if c.ec2 {
				q = EC2Args(mustForm(t, c.form))
			}
			c.read(q)
			c.read(q) // the first error stays
			if err := q.Err(); err == nil || err.Code != c.code || err.Message != c.msg || err.Status != 400 || !err.Sender {
				t.Fatalf("got %+v, want 400 %s: %s", err, c.code, c.msg)
			}
		})
	}
}

// Unread is what EC2 reports as UnknownParameter: anything sent that no handler looked at, except
// the protocol's own parameters.
func TestArgsUnread(t *testing.T) {
	q := EC2Args(mustForm(t, "Action=DescribeTags&Version=2016-11-15&X-Amz-Date=1&Signature=s&MaxResults=5"+
		"&Filter.1.Name=key&Filter.1.Value.1=a&Filter.1.Colour=red&Bogus=1"))
	q.OptInt("MaxResults")
	for _, f := range q.Members("Filter") {
		f.Str("Name")
		f.List("Value")
	}
	if got := q.Unread(); !reflect.DeepEqual(got, []string{"Bogus", "Filter.1.Colour"}) {
		t.Fatalf("Unread: %q", got)
	}
}

// Canonical ignores order, signing and the excluded parameters, and nothing else.
func TestArgsCanonical(t *testing.T) {
	a := EC2Args(mustForm(t, "Action=CreateLaunchTemplateVersion&X-Amz-Date=1&ClientToken=t1&LaunchTemplateId=lt-1&LaunchTemplateData.ImageId=ami-1"))
	b := EC2Args(mustForm(t, "LaunchTemplateData.ImageId=ami-1&ClientToken=t2&LaunchTemplateId=lt-1&Action=CreateLaunchTemplateVersion"))
	c := EC2Args(mustForm(t, "LaunchTemplateData.ImageId=ami-2&ClientToken=t1&LaunchTemplateId=lt-1"))
	if a.Canonical("ClientToken") != b.Canonical("ClientToken") || a.Canonical("ClientToken") == c.Canonical("ClientToken") {
		t.Fatalf("a %q, b %q, c %q", a.Canonical("ClientToken"), b.Canonical("ClientToken"), c.Canonical("ClientToken"))
	}
}
