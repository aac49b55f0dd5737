package emulator

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// What Auto Scaling asks of CloudWatch: which alarms point at a policy (DescribePolicies lists
// them), and the value that put an alarm in ALARM (step scaling picks its step from it).

// policyAlarms are the alarms, by name, with policyARN among their actions.
func (e *Emulator) policyAlarms(rs *regionState, policyARN string) wire.List[policyAlarmXML] {
	out := wire.List[policyAlarmXML]{}
	for _, a := range rs.cw.Alarms {
		if slices.Contains(slices.Concat(a.AlarmActions, a.OKActions, a.InsufficientDataActions), policyARN) {
			out = append(out, policyAlarmXML{AlarmName: a.AlarmName, AlarmARN: a.AlarmArn})
		}
	}
	slices.SortFunc(out, func(a, b policyAlarmXML) int { return strings.Compare(a.AlarmName, b.AlarmName) })
	return out
}

// alarmBreach is the newest datapoint of the alarm's current state and the alarm's threshold. It
// comes from StateReasonData's recentDatapoints (oldest first), as in AWS, so a state forced by
// SetAlarmState drives step scaling only when its StateReasonData carries recentDatapoints.
func (e *Emulator) alarmBreach(rs *regionState, alarmName string) (value, threshold float64, ok bool) {
	a, found := rs.cw.Alarms[alarmName]
	if !found {
		return 0, 0, false
	}
	var data struct {
		RecentDatapoints []float64 `json:"recentDatapoints"`
	}
	if json.Unmarshal([]byte(a.StateReasonData), &data) != nil || len(data.RecentDatapoints) == 0 {
		return 0, 0, false
	}
	return data.RecentDatapoints[len(data.RecentDatapoints)-1], a.Threshold, true
}
