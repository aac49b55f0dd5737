package emulator

import (
	"cmp"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// launchSource is what a group's next instance launches from, resolved at launch time as AWS
// resolves it: a launch configuration, or a launch template version ($Latest and $Default
// mean whatever they mean at that moment).
type launchSource struct {
	imageID, instanceType, keyName string
	monitoring                     bool
	tenancy                        string
	metadata                       *ltMetadataOptions
	// tags are the template's instance tags (TagSpecifications for "instance").
	tags []ec2Tag
	// template is the template's id, name and the version number launched; nil for a launch
	// configuration.
	template *launchTemplateSpec
}

// defaultInstanceType is what EC2 launches when nothing names a type.
const defaultInstanceType = "m1.small"

// launchSource resolves the group's launch configuration or template. failure, if not empty, is
// why EC2 would refuse the launch, in AWS's words (it becomes the failed activity's status).
func (e *Emulator) launchSource(rs *regionState, g *asGroup) (src launchSource, failure string) {
	if g.LaunchTemplate == nil {
		src.instanceType = defaultInstanceType
		if lc, ok := rs.as.LaunchConfigs[g.LaunchConfigurationName]; ok {
			src.imageID, src.instanceType, src.keyName = lc.ImageID, lc.InstanceType, lc.KeyName
			src.monitoring = boolOr(lc.InstanceMonitoring, true)
			src.tenancy = lc.PlacementTenancy
			if m := lc.MetadataOptions; m != nil {
				src.metadata = &ltMetadataOptions{HTTPTokens: m.HTTPTokens, HTTPPutResponseHopLimit: m.HTTPPutResponseHopLimit, HTTPEndpoint: m.HTTPEndpoint}
			}
		}
		return src, ""
	}
	spec := g.LaunchTemplate
	lt, err := rs.ec2.findTemplate(spec.LaunchTemplateID, spec.LaunchTemplateName)
	if err != nil {
		return src, err.Message
	}
	v, _ := lt.resolve(spec.Version)
	if v == nil {
		return src, launchVersionGone(lt, spec.Version)
	}
	d := v.Data
	switch {
	case d.ImageID == "":
		// RunInstances' answer to a template without an image.
		return src, "The request must contain the parameter ImageId"
	case e.opts.ImageExists != nil && !e.opts.ImageExists(d.ImageID):
		// EC2's InvalidAMIID.NotFound, as Auto Scaling relays it in the activity.
		return src, "The image id '[" + d.ImageID + "]' does not exist"
	}
	src = launchSource{imageID: d.ImageID, instanceType: d.InstanceType, keyName: d.KeyName, monitoring: d.monitoringEnabled(), tags: d.instanceTags(),
		template: &launchTemplateSpec{LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, Version: strconv.FormatInt(v.Number, 10)}}
	if src.instanceType == "" {
		src.instanceType = defaultInstanceType
	}
	if d.Placement != nil {
		src.tenancy = d.Placement.Tenancy
	}
	src.metadata = d.MetadataOptions
	return src, ""
}

// instanceMetadata is what an instance reports for its metadata service: what it launched with,
// AWS's defaults for the rest.
func instanceMetadata(m *ltMetadataOptions) *ltMetadataOptions {
	out := ltMetadataOptions{State: "applied", HTTPTokens: "optional", HTTPPutResponseHopLimit: ptr(1), HTTPEndpoint: "enabled",
		HTTPProtocolIpv6: "disabled", InstanceMetadataTags: "disabled"}
	if m != nil {
		out.HTTPTokens = cmp.Or(m.HTTPTokens, out.HTTPTokens)
		out.HTTPEndpoint = cmp.Or(m.HTTPEndpoint, out.HTTPEndpoint)
		out.HTTPProtocolIpv6 = cmp.Or(m.HTTPProtocolIpv6, out.HTTPProtocolIpv6)
		out.InstanceMetadataTags = cmp.Or(m.InstanceMetadataTags, out.InstanceMetadataTags)
		if m.HTTPPutResponseHopLimit != nil {
			out.HTTPPutResponseHopLimit = m.HTTPPutResponseHopLimit
		}
	}
	return &out
}

// launchVersionGone says a group's template version no longer exists. AWS documents the case (a
// deleted version fails the launch) but not its wording.
func launchVersionGone(lt *launchTemplate, v string) string {
	return "The specified launch template version " + templateVersionText(v) + " of launch template " + lt.ID + " does not exist"
}

func templateVersionText(v string) string {
	if v == "" {
		return versionDefault
	}
	return v
}

// recordEC2Instance creates the EC2 side of an instance a group launched, with the tags Auto
// Scaling gives it: aws:autoscaling:groupName, the template's aws:ec2launchtemplate:id and
// :version, the template's instance tags and the group's tags that propagate at launch (the
// group's win over the template's).
func (e *Emulator) recordEC2Instance(rs *regionState, g *asGroup, in *instance, src launchSource) {
	tags := mergeEC2Tags(nil, src.tags)
	for _, t := range g.Tags {
		if t.PropagateAtLaunch {
			tags = mergeEC2Tags(tags, []ec2Tag{{Key: t.Key, Value: t.Value}})
		}
	}
	system := []ec2Tag{{Key: "aws:autoscaling:groupName", Value: g.Name}}
	if src.template != nil {
		system = append(system, ec2Tag{Key: "aws:ec2launchtemplate:id", Value: src.template.LaunchTemplateID},
			ec2Tag{Key: "aws:ec2launchtemplate:version", Value: src.template.Version})
	}
	rs.ec2.Instances[in.ID] = &ec2Instance{
		ID: in.ID, ReservationID: "r-0" + randomHex(16), ImageID: src.imageID, InstanceType: src.instanceType, KeyName: src.keyName,
		Zone: in.AvailabilityZone, SubnetID: in.Subnet, LaunchTime: in.LaunchTime, GroupName: g.Name,
		LaunchTemplate: src.template, Tags: mergeEC2Tags(tags, system), Monitoring: src.monitoring, Tenancy: src.tenancy,
		MetadataOptions: instanceMetadata(src.metadata),
	}
}

// ec2Terminated records that an instance finished terminating at t.
func (s *ec2State) ec2Terminated(id string, t time.Time) {
	if in, ok := s.Instances[id]; ok {
		in.TerminatedAt = t
	}
}

// backfillInstances gives instances that a state file from before EC2 was emulated holds an EC2
// side, so DescribeInstances sees every instance.
func (rs *regionState) backfillInstances() {
	for _, g := range rs.as.Groups {
		for _, in := range g.Instances {
			if _, ok := rs.ec2.Instances[in.ID]; ok {
				continue
			}
			rs.ec2.Instances[in.ID] = &ec2Instance{
				ID: in.ID, ReservationID: "r-0" + randomHex(16), ImageID: in.ImageID, InstanceType: in.InstanceType,
				Zone: in.AvailabilityZone, SubnetID: in.Subnet, LaunchTime: in.LaunchTime, GroupName: g.Name, LaunchTemplate: in.LaunchTemplate,
				Tags: []ec2Tag{{Key: "aws:autoscaling:groupName", Value: g.Name}},
			}
		}
	}
}

// instanceStates maps each live instance to its EC2 state: an instance is pending while Auto
// Scaling has it Pending, running while InService, shutting-down while Terminating.
func (rs *regionState) instanceStates() map[string]string {
	out := map[string]string{}
	for _, g := range rs.as.Groups {
		for _, in := range g.Instances {
			switch in.LifecycleState {
			case statePending:
				out[in.ID] = ec2Pending
			case stateInService:
				out[in.ID] = ec2Running
			default:
				out[in.ID] = ec2ShuttingDown
			}
		}
	}
	return out
}

// visible reports whether DescribeInstances still shows the instance at now. Pruning forgets
// terminated instances only when the simulation steps, which an idle region never does.
func (in *ec2Instance) visible(now time.Time) bool {
	return in.TerminatedAt.IsZero() || now.Sub(in.TerminatedAt) < terminatedRetention
}

// stateOf is an instance's EC2 state.
func (in *ec2Instance) stateOf(live map[string]string) string {
	if !in.TerminatedAt.IsZero() {
		return ec2Terminated
	}
	if s, ok := live[in.ID]; ok {
		return s
	}
	return ec2Terminated
}

type ec2InstanceXML struct {
	InstanceID    string `xml:"instanceId"`
	ImageID       string `xml:"imageId"`
	InstanceState struct {
		Code int    `xml:"code"`
		Name string `xml:"name"`
	} `xml:"instanceState"`
	PrivateDNSName string    `xml:"privateDnsName"`
	DNSName        string    `xml:"dnsName"`
	Reason         string    `xml:"reason"`
	KeyName        string    `xml:"keyName,omitempty"`
	AmiLaunchIndex int       `xml:"amiLaunchIndex"`
	InstanceType   string    `xml:"instanceType"`
	LaunchTime     wire.Time `xml:"launchTime"`
	Placement      struct {
		AvailabilityZone string `xml:"availabilityZone"`
		GroupName        string `xml:"groupName"`
		Tenancy          string `xml:"tenancy"`
	} `xml:"placement"`
	Monitoring struct {
		State string `xml:"state"`
	} `xml:"monitoring"`
	SubnetID    string `xml:"subnetId,omitempty"`
	StateReason *struct {
		Code    string `xml:"code"`
		Message string `xml:"message"`
	} `xml:"stateReason,omitempty"`
	ProductCodes       wire.ItemSet[struct{}] `xml:"productCodes"`
	MetadataOptions    *ltMetadataOptions     `xml:"metadataOptions"`
	Architecture       string                 `xml:"architecture"`
	RootDeviceType     string                 `xml:"rootDeviceType"`
	RootDeviceName     string                 `xml:"rootDeviceName"`
	VirtualizationType string                 `xml:"virtualizationType"`
	Hypervisor         string                 `xml:"hypervisor"`
	Tags               []ec2Tag               `xml:"tagSet>item,omitempty"`
}

func (in *ec2Instance) toXML(state string) ec2InstanceXML {
	x := ec2InstanceXML{
		InstanceID: in.ID, ImageID: in.ImageID, KeyName: in.KeyName, InstanceType: in.InstanceType, LaunchTime: wire.Time(in.LaunchTime),
		SubnetID: in.SubnetID, Architecture: "x86_64", RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", VirtualizationType: "hvm",
		Hypervisor: "xen", Tags: in.Tags, ProductCodes: wire.ItemSet[struct{}]{}, MetadataOptions: instanceMetadata(in.MetadataOptions),
	}
	x.InstanceState.Code, x.InstanceState.Name = ec2StateCodes[state], state
	x.Placement.AvailabilityZone, x.Placement.Tenancy = in.Zone, in.Tenancy
	if x.Placement.Tenancy == "" {
		x.Placement.Tenancy = "default"
	}
	x.Monitoring.State = "disabled"
	if in.Monitoring {
		x.Monitoring.State = "enabled"
	}
	if state == ec2Terminated || state == ec2ShuttingDown {
		// Client.UserInitiatedShutdown is AWS's documented state reason for an instance shut down
		// through the API, which is how Auto Scaling terminates.
		x.Reason = "User initiated"
		x.StateReason = &struct {
			Code    string `xml:"code"`
			Message string `xml:"message"`
		}{"Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"}
	}
	return x
}

type reservationXML struct {
	ReservationID string                       `xml:"reservationId"`
	OwnerID       string                       `xml:"ownerId"`
	Groups        wire.ItemSet[struct{}]       `xml:"groupSet"`
	Instances     wire.ItemSet[ec2InstanceXML] `xml:"instancesSet"`
}

var instanceIDPattern = regexp.MustCompile(`^i-[0-9a-f]{8,17}$`)

func (e *Emulator) describeInstances(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	ids := q.List("InstanceId")
	filters := readEC2Filters(q, "availability-zone", "image-id", "instance-id", "instance-state-code", "instance-state-name",
		"instance-type", "key-name", "reservation-id", "subnet-id", "tag-key", "tag-value", "tag:")
	max := readMaxResults(q, 5, 1000, 1000)
	if len(ids) > 0 && q.Has("MaxResults") {
		// AWS's words: the two cannot be combined.
		q.Fail(senderError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults"))
	}
	token := q.Str("NextToken")
	if err := ec2Checked(q); err != nil {
		return nil, err
	}
	var missing []string
	for _, id := range ids {
		if !instanceIDPattern.MatchString(id) {
			return nil, senderError("InvalidInstanceID.Malformed", "Invalid id: %q (expecting \"i-...\")", truncate(id, 64))
		}
		if in, ok := rs.ec2.Instances[id]; !ok || !in.visible(now) {
			missing = append(missing, id)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		return nil, senderError("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", missing[0])
	default:
		return nil, senderError("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}

	live := rs.instanceStates()
	var matched []*ec2Instance
	for _, in := range rs.ec2.Instances {
		if in.visible(now) && (len(ids) == 0 || slices.Contains(ids, in.ID)) && instanceMatches(in, in.stateOf(live), filters) {
			matched = append(matched, in)
		}
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].ID < matched[j].ID })
	page, next, err := ec2Page(matched, func(in *ec2Instance) string { return in.ID }, token, max)
	if err != nil {
		return nil, err
	}
	out := describeInstancesResult{Reservations: wire.ItemSet[reservationXML]{}, NextToken: next}
	for _, in := range page {
		out.Reservations = append(out.Reservations, reservationXML{
			ReservationID: in.ReservationID, OwnerID: e.opts.AccountID, Groups: wire.ItemSet[struct{}]{},
			Instances: wire.ItemSet[ec2InstanceXML]{in.toXML(in.stateOf(live))},
		})
	}
	return out, nil
}

type describeInstancesResult struct {
	Reservations wire.ItemSet[reservationXML] `xml:"reservationSet"`
	NextToken    string                       `xml:"nextToken,omitempty"`
}

// instanceMatches applies DescribeInstances' filters.
func instanceMatches(in *ec2Instance, state string, filters []filter) bool {
	for _, f := range filters {
		ok, handled := tagsMatch(in.Tags, f)
		if !handled {
			var v string
			switch f.name {
			case "availability-zone":
				v = in.Zone
			case "image-id":
				v = in.ImageID
			case "instance-id":
				v = in.ID
			case "instance-state-code":
				v = strconv.Itoa(ec2StateCodes[state])
			case "instance-state-name":
				v = state
			case "instance-type":
				v = in.InstanceType
			case "key-name":
				v = in.KeyName
			case "reservation-id":
				v = in.ReservationID
			case "subnet-id":
				v = in.SubnetID
			}
			ok = matchesAny(f.values, v)
		}
		if !ok {
			return false
		}
	}
	return true
}
