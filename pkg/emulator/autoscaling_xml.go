package emulator

import (
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// The XML shapes of Auto Scaling responses, field for field as AWS writes them (element names and
// which elements are always present, even when empty), so every SDK reads them like AWS's.

type groupXML struct {
	AutoScalingGroupName             string                       `xml:"AutoScalingGroupName"`
	AutoScalingGroupARN              string                       `xml:"AutoScalingGroupARN"`
	LaunchConfigurationName          string                       `xml:"LaunchConfigurationName,omitempty"`
	LaunchTemplate                   *launchTemplateSpec          `xml:"LaunchTemplate,omitempty"`
	MinSize                          int                          `xml:"MinSize"`
	MaxSize                          int                          `xml:"MaxSize"`
	DesiredCapacity                  int                          `xml:"DesiredCapacity"`
	DefaultCooldown                  int                          `xml:"DefaultCooldown"`
	AvailabilityZones                wire.List[string]            `xml:"AvailabilityZones"`
	LoadBalancerNames                wire.List[string]            `xml:"LoadBalancerNames"`
	TargetGroupARNs                  wire.List[string]            `xml:"TargetGroupARNs"`
	HealthCheckType                  string                       `xml:"HealthCheckType"`
	HealthCheckGracePeriod           int                          `xml:"HealthCheckGracePeriod"`
	Instances                        wire.List[instanceXML]       `xml:"Instances"`
	CreatedTime                      wire.Time                    `xml:"CreatedTime"`
	SuspendedProcesses               wire.List[suspendedProcXML]  `xml:"SuspendedProcesses"`
	PlacementGroup                   string                       `xml:"PlacementGroup,omitempty"`
	VPCZoneIdentifier                string                       `xml:"VPCZoneIdentifier,omitempty"`
	EnabledMetrics                   wire.List[string]            `xml:"EnabledMetrics"`
	Status                           string                       `xml:"Status,omitempty"`
	Tags                             wire.List[tagDescriptionXML] `xml:"Tags"`
	TerminationPolicies              wire.List[string]            `xml:"TerminationPolicies"`
	NewInstancesProtectedFromScaleIn bool                         `xml:"NewInstancesProtectedFromScaleIn"`
	ServiceLinkedRoleARN             string                       `xml:"ServiceLinkedRoleARN"`
	MaxInstanceLifetime              *int                         `xml:"MaxInstanceLifetime,omitempty"`
	CapacityRebalance                bool                         `xml:"CapacityRebalance"`
	DesiredCapacityType              string                       `xml:"DesiredCapacityType,omitempty"`
	DefaultInstanceWarmup            *int                         `xml:"DefaultInstanceWarmup,omitempty"`
	TrafficSources                   wire.List[trafficSourceXML]  `xml:"TrafficSources"`
	Context                          string                       `xml:"Context,omitempty"`
	AvailabilityZoneDistribution     struct {
		CapacityDistributionStrategy string `xml:"CapacityDistributionStrategy"`
	} `xml:"AvailabilityZoneDistribution"`
}

type instanceXML struct {
	InstanceID              string              `xml:"InstanceId"`
	InstanceType            string              `xml:"InstanceType,omitempty"`
	AvailabilityZone        string              `xml:"AvailabilityZone"`
	LifecycleState          string              `xml:"LifecycleState"`
	HealthStatus            string              `xml:"HealthStatus"`
	LaunchConfigurationName string              `xml:"LaunchConfigurationName,omitempty"`
	LaunchTemplate          *launchTemplateSpec `xml:"LaunchTemplate,omitempty"`
	ProtectedFromScaleIn    bool                `xml:"ProtectedFromScaleIn"`
}

// instanceDetailsXML is DescribeAutoScalingInstances' shape: an instance plus its group's name.
type instanceDetailsXML struct {
	AutoScalingGroupName string `xml:"AutoScalingGroupName"`
	instanceXML
}

type suspendedProcXML struct {
	ProcessName      string `xml:"ProcessName"`
	SuspensionReason string `xml:"SuspensionReason"`
}

type tagDescriptionXML struct {
	ResourceID        string `xml:"ResourceId"`
	ResourceType      string `xml:"ResourceType"`
	Key               string `xml:"Key"`
	Value             string `xml:"Value"`
	PropagateAtLaunch bool   `xml:"PropagateAtLaunch"`
}

type trafficSourceXML struct {
	Identifier string `xml:"Identifier"`
	Type       string `xml:"Type"`
}

type activityXML struct {
	ActivityID            string     `xml:"ActivityId"`
	AutoScalingGroupName  string     `xml:"AutoScalingGroupName"`
	Description           string     `xml:"Description"`
	Cause                 string     `xml:"Cause"`
	StartTime             wire.Time  `xml:"StartTime"`
	EndTime               *wire.Time `xml:"EndTime,omitempty"`
	StatusCode            string     `xml:"StatusCode"`
	StatusMessage         string     `xml:"StatusMessage,omitempty"`
	Progress              int        `xml:"Progress"`
	Details               string     `xml:"Details"`
	AutoScalingGroupState string     `xml:"AutoScalingGroupState,omitempty"`
	AutoScalingGroupARN   string     `xml:"AutoScalingGroupARN"`
}

func (e *Emulator) groupToXML(g *asGroup, includeInstances bool) groupXML {
	x := groupXML{
		AutoScalingGroupName:             g.Name,
		AutoScalingGroupARN:              g.ARN,
		LaunchConfigurationName:          g.LaunchConfigurationName,
		LaunchTemplate:                   g.LaunchTemplate,
		MinSize:                          g.MinSize,
		MaxSize:                          g.MaxSize,
		DesiredCapacity:                  g.DesiredCapacity,
		DefaultCooldown:                  g.DefaultCooldown,
		AvailabilityZones:                g.AvailabilityZones,
		LoadBalancerNames:                wire.List[string]{},
		TargetGroupARNs:                  wire.List[string]{},
		HealthCheckType:                  g.HealthCheckType,
		HealthCheckGracePeriod:           g.HealthCheckGracePeriod,
		Instances:                        wire.List[instanceXML]{},
		CreatedTime:                      wire.Time(g.Created),
		SuspendedProcesses:               wire.List[suspendedProcXML]{},
		PlacementGroup:                   g.PlacementGroup,
		EnabledMetrics:                   wire.List[string]{},
		Tags:                             wire.List[tagDescriptionXML]{},
		TerminationPolicies:              g.TerminationPolicies,
		NewInstancesProtectedFromScaleIn: g.NewInstancesProtectedFromScaleIn,
		ServiceLinkedRoleARN:             g.ServiceLinkedRoleARN,
		MaxInstanceLifetime:              g.MaxInstanceLifetime,
		CapacityRebalance:                g.CapacityRebalance,
		DesiredCapacityType:              g.DesiredCapacityType,
		DefaultInstanceWarmup:            g.DefaultInstanceWarmup,
		TrafficSources:                   wire.List[trafficSourceXML]{},
		Context:                          g.Context,
	}
	x.AvailabilityZoneDistribution.CapacityDistributionStrategy = "balanced-best-effort"
	for i, s := range g.Subnets {
		if i > 0 {
			x.VPCZoneIdentifier += ","
		}
		x.VPCZoneIdentifier += s
	}
	if g.DeleteInProgress {
		x.Status = "Delete in progress"
	}
	for _, lb := range g.LoadBalancers {
		x.LoadBalancerNames = append(x.LoadBalancerNames, lb.Name)
		x.TrafficSources = append(x.TrafficSources, trafficSourceXML{Identifier: lb.Name, Type: "elb"})
	}
	for _, tg := range g.TargetGroups {
		x.TargetGroupARNs = append(x.TargetGroupARNs, tg.Name)
		x.TrafficSources = append(x.TrafficSources, trafficSourceXML{Identifier: tg.Name, Type: "elbv2"})
	}
	if includeInstances {
		for _, in := range g.Instances {
			x.Instances = append(x.Instances, instanceToXML(in))
		}
	}
	for _, p := range scalingProcesses {
		if at, ok := g.Suspended[p]; ok {
			x.SuspendedProcesses = append(x.SuspendedProcesses, suspendedProcXML{ProcessName: p, SuspensionReason: "User suspended at " + isoSeconds(at)})
		}
	}
	for _, t := range g.Tags {
		x.Tags = append(x.Tags, tagToXML(g, t))
	}
	return x
}

func tagToXML(g *asGroup, t tag) tagDescriptionXML {
	return tagDescriptionXML{ResourceID: g.Name, ResourceType: "auto-scaling-group", Key: t.Key, Value: t.Value, PropagateAtLaunch: t.PropagateAtLaunch}
}

func instanceToXML(in *instance) instanceXML {
	return instanceXML{
		InstanceID:              in.ID,
		InstanceType:            in.InstanceType,
		AvailabilityZone:        in.AvailabilityZone,
		LifecycleState:          in.LifecycleState,
		HealthStatus:            in.HealthStatus,
		LaunchConfigurationName: in.LaunchConfigurationName,
		LaunchTemplate:          in.LaunchTemplate,
		ProtectedFromScaleIn:    in.Protected,
	}
}

func (e *Emulator) activityToXML(rs *regionState, a *activity) activityXML {
	if a == nil {
		return activityXML{}
	}
	x := activityXML{
		ActivityID:           a.ID,
		AutoScalingGroupName: a.GroupName,
		Description:          a.Description,
		Cause:                a.Cause,
		StartTime:            wire.Time(a.Start),
		EndTime:              wire.OptTime(a.End),
		StatusCode:           a.StatusCode,
		StatusMessage:        a.StatusMessage,
		Progress:             a.Progress,
		Details:              a.Details,
		AutoScalingGroupARN:  a.GroupARN,
	}
	if a.GroupDeleted {
		x.AutoScalingGroupState = "Deleted"
	}
	return x
}

func (e *Emulator) findActivity(rs *regionState, id string) *activity {
	for i := len(rs.as.Activities) - 1; i >= 0; i-- {
		if rs.as.Activities[i].ID == id {
			return rs.as.Activities[i]
		}
	}
	return nil
}
