package emulator

import (
	"slices"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// Attachment states as AWS reports them for load balancers and target groups.
const (
	lbAdding    = "Adding"
	lbAdded     = "Added"
	lbInService = "InService"
	lbRemoving  = "Removing"
)

// attach adds name to list in state Adding (re-adding one that is being removed).
func attach(list []attachment, name string) []attachment {
	for i := range list {
		if list[i].Name == name {
			if list[i].State == lbRemoving {
				list[i].State = lbAdding
			}
			return list
		}
	}
	return append(list, attachment{Name: name, State: lbAdding})
}

func detach(list []attachment, names []string) {
	for i := range list {
		if slices.Contains(names, list[i].Name) {
			list[i].State = lbRemoving
		}
	}
}

// stepLoadBalancers moves attachments along as AWS does once instances are registered: Adding →
// Added (unless AddToLoadBalancer is suspended) → InService once an ELB-health-checked group has an
// InService instance; Removing → gone.
func (e *Emulator) stepLoadBalancers(g *asGroup) {
	inService := false
	for _, in := range g.Instances {
		inService = inService || in.LifecycleState == stateInService
	}
	step := func(list []attachment) []attachment {
		out := list[:0]
		for _, a := range list {
			switch {
			case a.State == lbRemoving:
				continue
			case a.State == lbAdding && !g.suspended(procAddToLoadBalancer):
				a.State = lbAdded
			case a.State == lbAdded && g.HealthCheckType == "ELB" && inService:
				a.State = lbInService
			}
			out = append(out, a)
		}
		return out
	}
	g.LoadBalancers = step(g.LoadBalancers)
	g.TargetGroups = step(g.TargetGroups)
}

// readAttachArgs reads the group and the names or ARNs to attach or detach (at most 10, as in AWS).
func readAttachArgs(rs *regionState, q wire.Args, listParam string) (*asGroup, []string, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	names := q.List(listParam)
	if len(names) == 0 {
		q.Fail(memberNull(listParam))
	}
	if len(names) > 10 {
		q.Fail(validationError("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 10", lowerFirst(listParam)))
	}
	if err := q.Err(); err != nil {
		return nil, nil, err
	}
	g, err := rs.lookupGroup(name)
	return g, names, err
}

func (e *Emulator) attachLoadBalancers(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	g, names, err := readAttachArgs(rs, q, "LoadBalancerNames")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		g.LoadBalancers = attach(g.LoadBalancers, n)
	}
	return struct{}{}, nil
}

func (e *Emulator) detachLoadBalancers(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	g, names, err := readAttachArgs(rs, q, "LoadBalancerNames")
	if err != nil {
		return nil, err
	}
	detach(g.LoadBalancers, names)
	return struct{}{}, nil
}

func (e *Emulator) attachLoadBalancerTargetGroups(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	g, arns, err := readAttachArgs(rs, q, "TargetGroupARNs")
	if err != nil {
		return nil, err
	}
	for _, a := range arns {
		g.TargetGroups = attach(g.TargetGroups, a)
	}
	return struct{}{}, nil
}

func (e *Emulator) detachLoadBalancerTargetGroups(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	g, arns, err := readAttachArgs(rs, q, "TargetGroupARNs")
	if err != nil {
		return nil, err
	}
	detach(g.TargetGroups, arns)
	return struct{}{}, nil
}

func (e *Emulator) describeLoadBalancers(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	page, next, err := describeAttachments(rs, q, func(g *asGroup) []attachment { return g.LoadBalancers })
	if err != nil {
		return nil, err
	}
	type state struct {
		LoadBalancerName string `xml:"LoadBalancerName"`
		State            string `xml:"State"`
	}
	out := struct {
		LoadBalancers wire.List[state] `xml:"LoadBalancers"`
		NextToken     string           `xml:"NextToken,omitempty"`
	}{LoadBalancers: wire.List[state]{}, NextToken: next}
	for _, a := range page {
		out.LoadBalancers = append(out.LoadBalancers, state{a.Name, a.State})
	}
	return out, nil
}

func (e *Emulator) describeLoadBalancerTargetGroups(rs *regionState, q wire.Args, _ time.Time) (any, *APIError) {
	page, next, err := describeAttachments(rs, q, func(g *asGroup) []attachment { return g.TargetGroups })
	if err != nil {
		return nil, err
	}
	type state struct {
		LoadBalancerTargetGroupARN string `xml:"LoadBalancerTargetGroupARN"`
		State                      string `xml:"State"`
	}
	out := struct {
		LoadBalancerTargetGroups wire.List[state] `xml:"LoadBalancerTargetGroups"`
		NextToken                string           `xml:"NextToken,omitempty"`
	}{LoadBalancerTargetGroups: wire.List[state]{}, NextToken: next}
	for _, a := range page {
		out.LoadBalancerTargetGroups = append(out.LoadBalancerTargetGroups, state{a.Name, a.State})
	}
	return out, nil
}

// describeAttachments pages through one group's load balancers or target groups.
func describeAttachments(rs *regionState, q wire.Args, list func(*asGroup) []attachment) ([]attachment, string, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	max := maxRecords(q, 100, 100)
	if err := q.Err(); err != nil {
		return nil, "", err
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, "", err
	}
	return paginate(list(g), func(a attachment) string { return a.Name }, false, q.Str("NextToken"), max)
}
