package cloud

import (
	"strings"
	"testing"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

func TestOwnership(t *testing.T) {
	ours := "c1/ns/g"
	tests := []struct {
		actual string
		adopt  bool
		want   Ownership
	}{
		{ours, false, Owned},
		{ours, true, Owned},
		{"", true, Adoptable},
		{"", false, Conflicting},
		{"c2/ns/g", true, Conflicting},
		{"c1/other/g", false, Conflicting},
	}
	for _, tt := range tests {
		g := &Group{Name: "g", Tags: []ec2v1alpha1.Tag{{Key: ec2v1alpha1.OwnerTagKey, Value: tt.actual}}}
		got, msg := g.Ownership(ours, tt.adopt)
		if got != tt.want {
			t.Errorf("group owned by %q, adopt=%v: %v, want %v", tt.actual, tt.adopt, got, tt.want)
		}
		if (got == Conflicting) != (msg != "") || (msg != "" && !strings.HasPrefix(msg, "An Auto Scaling group with this name")) {
			t.Errorf("group owned by %q: message %q", tt.actual, msg)
		}

		a := &Alarm{AlarmInput: AlarmInput{Name: "g-cpu-upper", OwnerTag: tt.actual}}
		got, msg = a.Ownership(ours, tt.adopt)
		if got != tt.want {
			t.Errorf("alarm owned by %q, adopt=%v: %v, want %v", tt.actual, tt.adopt, got, tt.want)
		}
		if (got == Conflicting) != (msg != "") || (msg != "" && !strings.HasPrefix(msg, "CloudWatch alarm g-cpu-upper: An alarm with this name")) {
			t.Errorf("alarm owned by %q: message %q", tt.actual, msg)
		}
	}
}
