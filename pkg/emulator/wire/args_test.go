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

func TestArgs(t *testing.T) {
	q := QueryArgs(mustForm(t, "Names.member.2=b&Names.member.10=c&Names.member.1=a"+
		"&Filters.member.1.Name=tag:team&Filters.member.1.Values.member.1=web&Filters.member.1.Values.member.2=api"+
		"&LaunchTemplate.Version=%24Latest"))
	if got := q.List("Names"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("List: %q, want a, b, c in index order (10 after 2)", got)
	}
	filters := q.Members("Filters")
	if len(filters) != 1 || filters[0].Str("Name") != "tag:team" || !reflect.DeepEqual(filters[0].List("Values"), []string{"web", "api"}) {
		t.Errorf("Members: %d filters, first %q %q", len(filters), filters[0].Str("Name"), filters[0].List("Values"))
	}
	if filters[0].Name("Name") != "Filters.member.1.Name" {
		t.Errorf("Name: %q", filters[0].Name("Name"))
	}
	if v := q.Sub("LaunchTemplate").OptStr("Version"); v == nil || *v != "$Latest" {
		t.Errorf("Sub: %v", v)
	}
	if !q.Has("LaunchTemplate") || q.Has("Launch") || q.Has("MixedInstancesPolicy") {
		t.Errorf("Has: LaunchTemplate %v, Launch %v, MixedInstancesPolicy %v", q.Has("LaunchTemplate"), q.Has("Launch"), q.Has("MixedInstancesPolicy"))
	}
	if q.Err() != nil {
		t.Errorf("Err %v", q.Err())
	}
}

func TestArgsMalformed(t *testing.T) {
	cases := []struct {
		name, form string
		read       func(Args)
		msg        string
	}{
		{"int", "MinSize=many", func(q Args) { q.OptInt("MinSize") },
			"Value 'many' for parameter MinSize is invalid: it must be a 32-bit integer."},
		{"float nested", "A.B=NaN", func(q Args) { q.Sub("A").OptFloat("B") },
			"Value 'NaN' for parameter A.B is invalid: it must be a finite number."},
		{"bool", "ForceDelete=yes", func(q Args) { q.OptBool("ForceDelete") },
			"Value 'yes' for parameter ForceDelete is invalid: it must be true or false."},
		{"time", "StartTime=yesterday", func(q Args) { q.OptTime("StartTime") },
			"Value 'yesterday' for parameter StartTime is invalid: it must be an ISO 8601 timestamp such as 2026-01-02T15:04:05Z."},
		{"index", "Names.member.0=a", func(q Args) { q.List("Names") },
			"Parameter Names.member.0 has an invalid list index: lists are numbered Names.member.1, Names.member.2, ..."},
		{"huge index", "Names.member.99999999999=a", func(q Args) { q.List("Names") },
			"Parameter Names.member.99999999999 has an invalid list index: lists are numbered Names.member.1, Names.member.2, ..."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := QueryArgs(mustForm(t, c.form))
			c.read(q)
			c.read(q) // the first error stays
			if err := q.Err(); err == nil || err.Code != "ValidationError" || err.Message != c.msg || err.Status != 400 || !err.Sender {
				t.Fatalf("got %+v, want 400 ValidationError: %s", err, c.msg)
			}
		})
	}
}
