package emulator

import (
	"slices"
	"strings"
	"time"
)

// AlarmSnapshot is a read-only view of one metric alarm, for tests and the admin API: what the
// alarm watches, its state and why, and what it does on each state.
type AlarmSnapshot struct {
	Name               string            `json:"name"`
	ARN                string            `json:"arn"`
	State              string            `json:"state"`
	Reason             string            `json:"reason"`
	StateUpdated       time.Time         `json:"stateUpdated"`
	Namespace          string            `json:"namespace"`
	MetricName         string            `json:"metricName"`
	Dimensions         map[string]string `json:"dimensions,omitempty"`
	Statistic          string            `json:"statistic"` // a standard statistic or a percentile (p90)
	Period             int               `json:"period"`
	EvaluationPeriods  int               `json:"evaluationPeriods"`
	DatapointsToAlarm  int               `json:"datapointsToAlarm"`
	Threshold          float64           `json:"threshold"`
	ComparisonOperator string            `json:"comparisonOperator"`
	TreatMissingData   string            `json:"treatMissingData"`
	ActionsEnabled     bool              `json:"actionsEnabled"`
	AlarmActions       []string          `json:"alarmActions,omitempty"`
	OKActions          []string          `json:"okActions,omitempty"`
	InsufficientData   []string          `json:"insufficientDataActions,omitempty"`
}

// snapshotAlarms returns every alarm of the region, sorted by name. Callers hold e.mu.
func (c *cloudWatchState) snapshotAlarms() []AlarmSnapshot {
	out := make([]AlarmSnapshot, 0, len(c.Alarms))
	for _, a := range c.Alarms {
		dims := make(map[string]string, len(a.Dimensions))
		for _, d := range a.Dimensions {
			dims[d.Name] = d.Value
		}
		treat := a.TreatMissingData
		if treat == "" {
			treat = "missing"
		}
		out = append(out, AlarmSnapshot{
			Name:               a.AlarmName,
			ARN:                a.AlarmArn,
			State:              a.StateValue,
			Reason:             a.StateReason,
			StateUpdated:       a.StateUpdatedTimestamp,
			Namespace:          a.Namespace,
			MetricName:         a.MetricName,
			Dimensions:         dims,
			Statistic:          a.statistic(),
			Period:             int(a.Period),
			EvaluationPeriods:  int(a.EvaluationPeriods),
			DatapointsToAlarm:  a.datapointsToAlarm(),
			Threshold:          a.Threshold,
			ComparisonOperator: a.ComparisonOperator,
			TreatMissingData:   treat,
			ActionsEnabled:     a.ActionsEnabled,
			AlarmActions:       slices.Clone(a.AlarmActions),
			OKActions:          slices.Clone(a.OKActions),
			InsufficientData:   slices.Clone(a.InsufficientDataActions),
		})
	}
	slices.SortFunc(out, func(a, b AlarmSnapshot) int { return strings.Compare(a.Name, b.Name) })
	return out
}
