package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Snapshot is a read-only copy of the emulator's state for tests and the admin API, by region.
type Snapshot struct {
	Time    time.Time                 `json:"time"`
	Regions map[string]RegionSnapshot `json:"regions"`
}

// RegionSnapshot is one region's resources; groups, launch configurations and launch templates
// by name.
type RegionSnapshot struct {
	Groups               map[string]GroupSnapshot               `json:"groups"`
	LaunchConfigurations map[string]LaunchConfigurationSnapshot `json:"launchConfigurations"`
	LaunchTemplates      map[string]LaunchTemplateSnapshot      `json:"launchTemplates"`
	// Activities of every group, newest first.
	Activities []ActivitySnapshot `json:"activities"`
	Alarms     []AlarmSnapshot    `json:"alarms"`
}

// GroupSnapshot is an Auto Scaling group.
type GroupSnapshot struct {
	Name                    string `json:"name"`
	ARN                     string `json:"arn"`
	LaunchConfigurationName string `json:"launchConfigurationName,omitempty"`
	// LaunchTemplate is the group's template, its version as the group names it ("3", "$Latest").
	LaunchTemplate     *LaunchTemplateRef `json:"launchTemplate,omitempty"`
	MinSize            int                `json:"minSize"`
	MaxSize            int                `json:"maxSize"`
	DesiredCapacity    int                `json:"desiredCapacity"`
	AvailabilityZones  []string           `json:"availabilityZones"`
	DeleteInProgress   bool               `json:"deleteInProgress,omitempty"`
	SuspendedProcesses []string           `json:"suspendedProcesses,omitempty"`
	Tags               map[string]string  `json:"tags,omitempty"`
	Load               float64            `json:"load"`
	Instances          []InstanceSnapshot `json:"instances"`
	Policies           []PolicySnapshot   `json:"policies,omitempty"`
}

// InService counts the group's InService instances.
func (g GroupSnapshot) InService() int {
	n := 0
	for _, in := range g.Instances {
		if in.LifecycleState == stateInService {
			n++
		}
	}
	return n
}

// InstanceSnapshot is an instance of a group.
type InstanceSnapshot struct {
	ID                   string    `json:"id"`
	AvailabilityZone     string    `json:"availabilityZone"`
	Subnet               string    `json:"subnet,omitempty"`
	LifecycleState       string    `json:"lifecycleState"`
	HealthStatus         string    `json:"healthStatus"`
	ProtectedFromScaleIn bool      `json:"protectedFromScaleIn"`
	LaunchTime           time.Time `json:"launchTime"`
	// What the instance launched from: a launch configuration, or a template and the version
	// number it resolved to at launch.
	LaunchConfigurationName string             `json:"launchConfigurationName,omitempty"`
	LaunchTemplate          *LaunchTemplateRef `json:"launchTemplate,omitempty"`
	ImageID                 string             `json:"imageId,omitempty"`
	InstanceType            string             `json:"instanceType,omitempty"`
}

// LaunchTemplateRef names a launch template version.
type LaunchTemplateRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// LaunchTemplateSnapshot is a launch template and its versions.
type LaunchTemplateSnapshot struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	DefaultVersion int64             `json:"defaultVersion"`
	LatestVersion  int64             `json:"latestVersion"`
	Tags           map[string]string `json:"tags,omitempty"`
	Created        time.Time         `json:"created"`
	// Versions in ascending order.
	Versions []LaunchTemplateVersionSnapshot `json:"versions"`
}

// LaunchTemplateVersionSnapshot is one version of a launch template: the data a test most often
// asserts on, and all of it as EC2 describes it.
type LaunchTemplateVersionSnapshot struct {
	Number       int64     `json:"number"`
	Description  string    `json:"description,omitempty"`
	Created      time.Time `json:"created"`
	ImageID      string    `json:"imageId,omitempty"`
	InstanceType string    `json:"instanceType,omitempty"`
	// Data is the version's LaunchTemplateData as JSON, with EC2's lowerCamel member names.
	Data json.RawMessage `json:"data"`
}

// PolicySnapshot is a scaling policy.
type PolicySnapshot struct {
	Name           string `json:"name"`
	ARN            string `json:"arn"`
	PolicyType     string `json:"policyType"`
	AdjustmentType string `json:"adjustmentType,omitempty"`
	Enabled        bool   `json:"enabled"`
}

// LaunchConfigurationSnapshot is a launch configuration.
type LaunchConfigurationSnapshot struct {
	Name         string    `json:"name"`
	ARN          string    `json:"arn"`
	ImageID      string    `json:"imageId"`
	InstanceType string    `json:"instanceType"`
	Created      time.Time `json:"created"`
}

// ActivitySnapshot is a scaling activity.
type ActivitySnapshot struct {
	ID          string    `json:"id"`
	GroupName   string    `json:"groupName"`
	Description string    `json:"description"`
	Cause       string    `json:"cause"`
	StatusCode  string    `json:"statusCode"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
}

// Snapshot brings the simulation up to the clock's now and copies the state.
func (e *Emulator) Snapshot() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.advanceTo(e.clock.Now())
	snap := Snapshot{Time: e.simTime, Regions: map[string]RegionSnapshot{}}
	for name, rs := range e.regions {
		r := RegionSnapshot{
			Groups:               map[string]GroupSnapshot{},
			LaunchConfigurations: map[string]LaunchConfigurationSnapshot{},
			LaunchTemplates:      map[string]LaunchTemplateSnapshot{},
			Alarms:               rs.cw.snapshotAlarms(),
		}
		for _, lt := range rs.ec2.LaunchTemplates {
			r.LaunchTemplates[lt.Name] = lt.snapshot()
		}
		for _, g := range rs.as.Groups {
			r.Groups[g.Name] = e.groupSnapshot(rs, g)
		}
		for _, lc := range rs.as.LaunchConfigs {
			r.LaunchConfigurations[lc.Name] = LaunchConfigurationSnapshot{Name: lc.Name, ARN: lc.ARN, ImageID: lc.ImageID, InstanceType: lc.InstanceType, Created: lc.Created}
		}
		for i := len(rs.as.Activities) - 1; i >= 0; i-- {
			a := rs.as.Activities[i]
			r.Activities = append(r.Activities, ActivitySnapshot{ID: a.ID, GroupName: a.GroupName, Description: a.Description, Cause: a.Cause, StatusCode: a.StatusCode, Start: a.Start, End: a.End})
		}
		snap.Regions[name] = r
	}
	return snap
}

func (e *Emulator) groupSnapshot(rs *regionState, g *asGroup) GroupSnapshot {
	s := GroupSnapshot{
		Name: g.Name, ARN: g.ARN, LaunchConfigurationName: g.LaunchConfigurationName,
		MinSize: g.MinSize, MaxSize: g.MaxSize, DesiredCapacity: g.DesiredCapacity,
		AvailabilityZones: append([]string(nil), g.AvailabilityZones...),
		DeleteInProgress:  g.DeleteInProgress,
		LaunchTemplate:    templateRef(g.LaunchTemplate),
		Load:              e.groupLoad(rs, g.Name),
		Instances:         []InstanceSnapshot{},
	}
	for p := range g.Suspended {
		s.SuspendedProcesses = append(s.SuspendedProcesses, p)
	}
	sort.Strings(s.SuspendedProcesses)
	if len(g.Tags) > 0 {
		s.Tags = map[string]string{}
		for _, t := range g.Tags {
			s.Tags[t.Key] = t.Value
		}
	}
	for _, in := range g.Instances {
		s.Instances = append(s.Instances, InstanceSnapshot{ID: in.ID, AvailabilityZone: in.AvailabilityZone, Subnet: in.Subnet,
			LifecycleState: in.LifecycleState, HealthStatus: in.HealthStatus, ProtectedFromScaleIn: in.Protected, LaunchTime: in.LaunchTime,
			LaunchConfigurationName: in.LaunchConfigurationName, LaunchTemplate: templateRef(in.LaunchTemplate), ImageID: in.ImageID, InstanceType: in.InstanceType})
	}
	for _, p := range g.Policies {
		s.Policies = append(s.Policies, PolicySnapshot{Name: p.Name, ARN: p.ARN, PolicyType: p.PolicyType, AdjustmentType: p.AdjustmentType, Enabled: p.Enabled})
	}
	return s
}

func templateRef(spec *launchTemplateSpec) *LaunchTemplateRef {
	if spec == nil {
		return nil
	}
	return &LaunchTemplateRef{ID: spec.LaunchTemplateID, Name: spec.LaunchTemplateName, Version: spec.Version}
}

func (lt *launchTemplate) snapshot() LaunchTemplateSnapshot {
	s := LaunchTemplateSnapshot{ID: lt.ID, Name: lt.Name, DefaultVersion: lt.DefaultVersion, LatestVersion: lt.latest().Number, Created: lt.Created}
	if len(lt.Tags) > 0 {
		s.Tags = map[string]string{}
		for _, t := range lt.Tags {
			s.Tags[t.Key] = t.Value
		}
	}
	for _, v := range lt.Versions {
		// The data has only strings, numbers, booleans and their lists: it always marshals.
		data, _ := json.Marshal(v.Data)
		s.Versions = append(s.Versions, LaunchTemplateVersionSnapshot{Number: v.Number, Description: v.Description, Created: v.Created,
			ImageID: v.Data.ImageID, InstanceType: v.Data.InstanceType, Data: data})
	}
	return s
}

// stateSaveInterval bounds how often Run rewrites the state file while changes keep coming.
const stateSaveInterval = 2 * time.Second

// stateFileVersion changes when the file's layout does; other versions are not loaded.
const stateFileVersion = 1

type stateFile struct {
	Version int                   `json:"version"`
	SimTime time.Time             `json:"simTime"`
	Data    map[string]regionFile `json:"regions"`
}

type regionFile struct {
	AutoScaling *autoScalingState `json:"autoScaling"`
	CloudWatch  *cloudWatchState  `json:"cloudWatch"`
	// EC2 is absent from files written before EC2 was emulated; they load with no templates.
	EC2 *ec2State `json:"ec2,omitempty"`
}

// SaveState writes everything (both services, every region) to Options.StateFile, atomically:
// a crash mid-write leaves the previous file.
func (e *Emulator) SaveState() error {
	if e.opts.StateFile == "" {
		return fmt.Errorf("no state file configured: set Options.StateFile (--state-file)")
	}
	e.mu.Lock()
	f := stateFile{Version: stateFileVersion, SimTime: e.simTime, Data: map[string]regionFile{}}
	for name, rs := range e.regions {
		f.Data[name] = regionFile{AutoScaling: rs.as, CloudWatch: rs.cw, EC2: rs.ec2}
	}
	data, err := json.Marshal(f)
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode emulator state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(e.opts.StateFile), filepath.Base(e.opts.StateFile)+".tmp*")
	if err != nil {
		return fmt.Errorf("write state file next to %s: %w", e.opts.StateFile, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write state file %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state file %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), e.opts.StateFile); err != nil {
		return fmt.Errorf("replace state file %s: %w", e.opts.StateFile, err)
	}
	return nil
}

// loadState replaces the (empty) state with the file's. A missing file is a fresh start.
func (e *Emulator) loadState(path string) error {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	if f.Version != stateFileVersion {
		return fmt.Errorf("%s has state version %d; this emulator reads version %d", path, f.Version, stateFileVersion)
	}
	for name, rf := range f.Data {
		rs := &regionState{name: name, cw: rf.CloudWatch, as: rf.AutoScaling, ec2: rf.EC2}
		if rs.cw == nil {
			rs.cw = newCloudWatchState()
		}
		if rs.as == nil {
			rs.as = newAutoScalingState()
		}
		if rs.as.Groups == nil {
			rs.as.Groups = map[string]*asGroup{}
		}
		if rs.as.LaunchConfigs == nil {
			rs.as.LaunchConfigs = map[string]*launchConfig{}
		}
		if rs.ec2 == nil {
			rs.ec2 = newEC2State()
		}
		rs.ec2.reindex()
		rs.backfillInstances()
		e.regions[name] = rs
	}
	// Resume the simulation where it stopped: if the clock moved on while the emulator was down,
	// the first request catches up on everything due in between (instances finish launching,
	// alarms see the gap), as AWS would have carried on.
	if !f.SimTime.IsZero() {
		e.simTime = f.SimTime
	}
	return nil
}
