package emulator

import (
	"slices"
	"sort"
	"strconv"
	"time"
)

// ec2State is one region's EC2 resources, beside Auto Scaling's and CloudWatch's in regionState
// and under the same lock and clock. It holds what the operator touches through EC2 (launch
// templates) and the EC2 side of the instances groups launch; VPCs, subnets, security groups and
// images join it here when the emulator models them. Fields are exported for the state file.
type ec2State struct {
	// LaunchTemplates by id.
	LaunchTemplates map[string]*launchTemplate `json:"launchTemplates"`
	// Instances by id: every instance a group launched, kept for an hour after it terminated
	// (as DescribeInstances shows them), then forgotten.
	Instances map[string]*ec2Instance `json:"instances"`
	// PrunedAt is when terminated instances were last forgotten (see pruneInstances).
	PrunedAt time.Time `json:"prunedAt"`

	// templateNames indexes LaunchTemplates by name; rebuilt from them after loading state.
	templateNames map[string]*launchTemplate
	// clientTokens are the ClientTokens of recent writes (see replay). The state file does not
	// keep them: a restarted emulator forgets them, as if they had expired.
	clientTokens map[string]clientToken
}

func newEC2State() *ec2State {
	return &ec2State{LaunchTemplates: map[string]*launchTemplate{}, Instances: map[string]*ec2Instance{}, templateNames: map[string]*launchTemplate{}}
}

// reindex rebuilds what the state file does not hold; after loading.
func (s *ec2State) reindex() {
	if s.LaunchTemplates == nil {
		s.LaunchTemplates = map[string]*launchTemplate{}
	}
	if s.Instances == nil {
		s.Instances = map[string]*ec2Instance{}
	}
	s.templateNames = map[string]*launchTemplate{}
	for _, lt := range s.LaunchTemplates {
		s.templateNames[lt.Name] = lt
	}
}

// ec2Tag is a tag on an EC2 resource.
type ec2Tag struct {
	Key   string `xml:"key" json:"key"`
	Value string `xml:"value" json:"value"`
}

// launchTemplate is a launch template and its versions.
type launchTemplate struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"createdBy"`
	// DefaultVersion is the number $Default resolves to.
	DefaultVersion int64 `json:"defaultVersion"`
	// LastNumber is the highest version number ever given: numbers of deleted versions are never
	// reused.
	LastNumber int64    `json:"lastNumber"`
	Tags       []ec2Tag `json:"tags,omitempty"`
	// Versions in ascending number order; deleted ones leave gaps.
	Versions []*launchTemplateVersion `json:"versions"`
}

type launchTemplateVersion struct {
	Number      int64              `json:"number"`
	Description string             `json:"description,omitempty"`
	Created     time.Time          `json:"created"`
	CreatedBy   string             `json:"createdBy"`
	Data        launchTemplateData `json:"data"`
}

// latest is the highest existing version: $Latest.
func (lt *launchTemplate) latest() *launchTemplateVersion { return lt.Versions[len(lt.Versions)-1] }

// version finds a version by number.
func (lt *launchTemplate) version(n int64) *launchTemplateVersion {
	i, ok := slices.BinarySearchFunc(lt.Versions, n, func(v *launchTemplateVersion, n int64) int {
		switch {
		case v.Number < n:
			return -1
		case v.Number > n:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return lt.Versions[i]
}

// resolve turns a version as clients write it ("3", "$Latest", "$Default"; "" means $Default)
// into a version; nil if there is no such version, ok false if the string is no version at all.
func (lt *launchTemplate) resolve(v string) (ver *launchTemplateVersion, ok bool) {
	switch v {
	case "", versionDefault:
		return lt.version(lt.DefaultVersion), true
	case versionLatest:
		return lt.latest(), true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return nil, false
	}
	return lt.version(n), true
}

// The version aliases clients may use wherever a launch template version is asked for.
const (
	versionLatest  = "$Latest"
	versionDefault = "$Default"
)

// ec2Instance is the EC2 side of an instance a group launched: what DescribeInstances shows. Its
// lifecycle is the Auto Scaling instance's (pending while Pending, and so on) until it has
// terminated, which TerminatedAt records.
type ec2Instance struct {
	ID            string    `json:"id"`
	ReservationID string    `json:"reservationId"`
	ImageID       string    `json:"imageId,omitempty"`
	InstanceType  string    `json:"instanceType,omitempty"`
	KeyName       string    `json:"keyName,omitempty"`
	Zone          string    `json:"zone"`
	SubnetID      string    `json:"subnetId,omitempty"`
	LaunchTime    time.Time `json:"launchTime"`
	// GroupName is the Auto Scaling group that launched it.
	GroupName string `json:"groupName"`
	// LaunchTemplate is the template and the version number it launched from; nil for launch
	// configurations.
	LaunchTemplate *launchTemplateSpec `json:"launchTemplate,omitempty"`
	Tags           []ec2Tag            `json:"tags,omitempty"`
	Monitoring     bool                `json:"monitoring,omitempty"`
	Tenancy        string              `json:"tenancy,omitempty"`
	// MetadataOptions are the metadata service settings it launched with, AWS's defaults filled in.
	MetadataOptions *ltMetadataOptions `json:"metadataOptions,omitempty"`
	TerminatedAt    time.Time          `json:"terminatedAt"`
}

// EC2 instance states as AWS names and numbers them.
const (
	ec2Pending      = "pending"
	ec2Running      = "running"
	ec2ShuttingDown = "shutting-down"
	ec2Terminated   = "terminated"
)

var ec2StateCodes = map[string]int{ec2Pending: 0, ec2Running: 16, ec2ShuttingDown: 32, ec2Terminated: 48}

// terminatedRetention is how long DescribeInstances keeps showing a terminated instance; AWS
// documents "about an hour".
const terminatedRetention = time.Hour

// prune forgets instances terminated more than terminatedRetention ago and expired client
// tokens. The simulation calls it at most once a simulated minute, so a fleet's churn costs one
// map walk a minute.
func (s *ec2State) prune(now time.Time) {
	if now.Sub(s.PrunedAt) < time.Minute {
		return
	}
	s.PrunedAt = now
	for id, in := range s.Instances {
		if !in.TerminatedAt.IsZero() && now.Sub(in.TerminatedAt) >= terminatedRetention {
			delete(s.Instances, id)
		}
	}
	for token, rec := range s.clientTokens {
		if now.Sub(rec.at) >= clientTokenTTL {
			delete(s.clientTokens, token)
		}
	}
}

// sortedTemplates are the region's launch templates by name.
func (s *ec2State) sortedTemplates() []*launchTemplate {
	out := make([]*launchTemplate, 0, len(s.LaunchTemplates))
	for _, lt := range s.LaunchTemplates {
		out = append(out, lt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
