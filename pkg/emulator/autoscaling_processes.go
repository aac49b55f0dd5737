package emulator

import (
	"slices"
	"strings"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

func (e *Emulator) suspendProcesses(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	g, procs, err := readProcesses(rs, q)
	if err != nil {
		return nil, err
	}
	if g.Suspended == nil {
		g.Suspended = map[string]time.Time{}
	}
	for _, p := range procs {
		if _, already := g.Suspended[p]; !already {
			g.Suspended[p] = now
		}
	}
	return nil, nil
}

func (e *Emulator) resumeProcesses(rs *regionState, q wire.Args, now time.Time) (any, *APIError) {
	g, procs, err := readProcesses(rs, q)
	if err != nil {
		return nil, err
	}
	for _, p := range procs {
		delete(g.Suspended, p)
	}
	// Whatever waited on the resumed processes happens now, not at the next tick.
	e.stepRefresh(rs, g, now)
	e.reconcile(rs, g, now, "", 0)
	return nil, nil
}

// readProcesses reads the group and ScalingProcesses; none listed means all of them, as in AWS.
func readProcesses(rs *regionState, q wire.Args) (*asGroup, []string, *APIError) {
	name := reqString(q, "AutoScalingGroupName", 255)
	procs := q.List("ScalingProcesses")
	if err := q.Err(); err != nil {
		return nil, nil, err
	}
	for _, p := range procs {
		if !slices.Contains(scalingProcesses, p) {
			return nil, nil, validationError("Invalid scaling process name: %s. Valid process names are %s.", p, strings.Join(scalingProcesses, ", "))
		}
	}
	g, err := rs.lookupGroup(name)
	if err != nil {
		return nil, nil, err
	}
	if len(procs) == 0 {
		procs = scalingProcesses
	}
	return g, procs, nil
}

func (e *Emulator) describeScalingProcessTypes(*regionState, wire.Args, time.Time) (any, *APIError) {
	type process struct {
		ProcessName string `xml:"ProcessName"`
	}
	out := struct {
		Processes wire.List[process] `xml:"Processes"`
	}{}
	for _, p := range scalingProcesses {
		out.Processes = append(out.Processes, process{p})
	}
	return out, nil
}
