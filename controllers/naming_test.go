package controllers

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/internal/cloud"
)

func TestBoundedName(t *testing.T) {
	long := strings.Repeat("n", 253)
	tests := []struct {
		name   string
		max    int
		suffix string
		parts  []string
		want   string
	}{
		{"short", 255, "abc", []string{"ns", "name"}, "ns-name-abc"},
		{"no suffix", 255, "", []string{"a", "b"}, "a-b"},
		{"exactly max", 9, "c", []string{"aaa", "bbb"}, "aaa-bbb-c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := boundedName(tt.max, tt.suffix, tt.parts...); got != tt.want {
				t.Errorf("boundedName = %q, want %q", got, tt.want)
			}
		})
	}

	a := boundedName(255, "0123456789", "default", long)
	b := boundedName(255, "0123456789", "default", long[:252]+"m")
	if len(a) != 255 || len(b) != 255 {
		t.Fatalf("lengths %d and %d, want 255", len(a), len(b))
	}
	if a == b {
		t.Errorf("two long names truncated to the same result %q", a)
	}
	if !strings.HasSuffix(a, "-0123456789") {
		t.Errorf("suffix lost: %q", a)
	}
	if a != boundedName(255, "0123456789", "default", long) {
		t.Error("not deterministic")
	}
}

func TestLaunchConfigurationSpecHash(t *testing.T) {
	base := ec2v1alpha1.LaunchConfigurationSpec{
		ImageID:        "my-ami",
		InstanceType:   "t3.micro",
		KeyName:        "my_key_name",
		SecurityGroups: []string{"b", "a"},
	}
	h := func(mut func(*ec2v1alpha1.LaunchConfigurationSpec), userData string) string {
		s := base.DeepCopy()
		if mut != nil {
			mut(s)
		}
		return launchConfigurationSpecHash(s, userData)
	}
	ref := h(nil, "")
	if len(ref) != specHashLen {
		t.Fatalf("hash %q has length %d", ref, len(ref))
	}
	same := []struct {
		name string
		mut  func(*ec2v1alpha1.LaunchConfigurationSpec)
	}{
		{"security group order", func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.SecurityGroups = []string{"a", "b"} }},
		{"region", func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.Region = "eu-west-1" }},
		{"deletion policy", func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.DeletionPolicy = ec2v1alpha1.DeletionPolicyOrphan }},
		{"default metadata options", func(s *ec2v1alpha1.LaunchConfigurationSpec) {
			s.MetadataOptions = &ec2v1alpha1.MetadataOptions{HTTPTokens: "required"}
		}},
		{"default instance type", func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.InstanceType = "" }},
	}
	for _, tt := range same {
		if got := h(tt.mut, ""); got != ref {
			t.Errorf("%s changed the hash: %s != %s", tt.name, got, ref)
		}
	}
	different := []struct {
		name     string
		mut      func(*ec2v1alpha1.LaunchConfigurationSpec)
		userData string
	}{
		{"image", func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.ImageID = "other-ami" }, ""},
		{"instance type", func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.InstanceType = "m5.large" }, ""},
		{"user data", nil, "#!/bin/sh\necho hi"},
		{"monitoring", func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.InstanceMonitoring = ptr.To(false) }, ""},
		{"security groups", func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.SecurityGroups = []string{"a"} }, ""},
	}
	for _, tt := range different {
		if got := h(tt.mut, tt.userData); got == ref {
			t.Errorf("%s did not change the hash", tt.name)
		}
	}
	// Where the user data comes from does not matter, only what it is.
	inline := h(func(s *ec2v1alpha1.LaunchConfigurationSpec) { s.UserData = ptr.To("x") }, "x")
	fromSecret := h(func(s *ec2v1alpha1.LaunchConfigurationSpec) {
		s.UserDataSecretRef = &ec2v1alpha1.SecretKeySelector{Name: "s", Key: "k"}
	}, "x")
	if inline != fromSecret {
		t.Errorf("inline and Secret user data hash differently: %s != %s", inline, fromSecret)
	}
	// The hash does not modify its input.
	if base.SecurityGroups[0] != "b" {
		t.Error("hashing sorted the caller's slice")
	}
}

func TestLaunchConfigurationAWSName(t *testing.T) {
	if got := launchConfigurationAWSName("default", "my-launch-config", "0123456789"); got != "default-my-launch-config-0123456789" {
		t.Errorf("got %q", got)
	}
	got := launchConfigurationAWSName(strings.Repeat("x", 63), strings.Repeat("y", 253), "0123456789")
	if len(got) > maxAWSNameLen {
		t.Errorf("name of %d characters exceeds AWS's limit", len(got))
	}
}

func TestParseScaleIncrement(t *testing.T) {
	tests := []struct {
		in       string
		wantType string
		want     int32
		wantErr  bool
	}{
		{"10", cloud.AdjustmentChangeInCapacity, 10, false},
		{"-5", cloud.AdjustmentChangeInCapacity, -5, false},
		{"+3", cloud.AdjustmentChangeInCapacity, 3, false},
		{"0", cloud.AdjustmentChangeInCapacity, 0, false},
		{"-10%", cloud.AdjustmentPercentChangeInCapacity, -10, false},
		{"10%", cloud.AdjustmentPercentChangeInCapacity, 10, false},
		{"", "", 0, true},
		{"%", "", 0, true},
		{"ten", "", 0, true},
		{"1.5", "", 0, true},
		{"99999999999", "", 0, true},
		{"- 5", "", 0, true},
	}
	for _, tt := range tests {
		gotType, got, err := parseScaleIncrement(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseScaleIncrement(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if gotType != tt.wantType || got != tt.want {
			t.Errorf("parseScaleIncrement(%q) = %s %d, want %s %d", tt.in, gotType, got, tt.wantType, tt.want)
		}
	}
}

func FuzzParseScaleIncrement(f *testing.F) {
	for _, s := range []string{"10", "-10%", "+0", "%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, _, err := parseScaleIncrement(s)
		if err == nil && typ != cloud.AdjustmentChangeInCapacity && typ != cloud.AdjustmentPercentChangeInCapacity {
			t.Errorf("parseScaleIncrement(%q) returned type %q", s, typ)
		}
	})
}
