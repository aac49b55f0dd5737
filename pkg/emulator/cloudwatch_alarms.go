package emulator

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Alarm states and the reason a new alarm starts with.
const (
	stateOK               = "OK"
	stateAlarm            = "ALARM"
	stateInsufficientData = "INSUFFICIENT_DATA"

	initialStateReason = "Unchecked: Initial alarm creation"
)

// defaultAlarmLimit bounds alarms per region. AWS no longer publishes a quota, but an unbounded
// emulator is one runaway loop away from eating the host; 10000 is far beyond any test.
const defaultAlarmLimit = 10000

// cwAlarm is a metric alarm as the state keeps it: the MetricAlarm shape DescribeAlarms returns,
// plus what AWS keeps but does not describe.
type cwAlarm struct {
	cwMetricAlarm
	Tags []cwTag `json:"tags,omitempty"`
	// Transitioned is true when the current state was entered by a state change (not by creation):
	// only then does the alarm keep invoking its Auto Scaling actions every minute.
	Transitioned bool `json:"transitioned,omitempty"`
}

// statistic is the standard or extended statistic the alarm evaluates.
func (a *cwAlarm) statistic() string {
	if a.ExtendedStatistic != "" {
		return a.ExtendedStatistic
	}
	return a.Statistic
}

// datapointsToAlarm is M of "M out of N"; without DatapointsToAlarm it is N.
func (a *cwAlarm) datapointsToAlarm() int {
	if a.DatapointsToAlarm != nil {
		return int(*a.DatapointsToAlarm)
	}
	return int(a.EvaluationPeriods)
}

// actionsFor are the actions the alarm runs on entering state.
func (a *cwAlarm) actionsFor(state string) []string {
	switch state {
	case stateAlarm:
		return a.AlarmActions
	case stateOK:
		return a.OKActions
	}
	return a.InsufficientDataActions
}

func (e *Emulator) alarmARN(rs *regionState, name string) string {
	return "arn:aws:cloudwatch:" + rs.name + ":" + e.opts.AccountID + ":alarm:" + name
}

var (
	comparisonOperators = []string{"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"}
	// bandOperators compare against an anomaly detection band, which the emulator does not model.
	bandOperators     = []string{"LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"}
	treatMissingData  = []string{"breaching", "notBreaching", "ignore", "missing"}
	alarmStates       = []string{stateOK, stateAlarm, stateInsufficientData}
	arnSyntax         = regexp.MustCompile(`^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:.+$`)
	validAlarmPeriods = []int32{10, 20, 30}
)

func (e *Emulator) putMetricAlarm(rs *regionState, in *putMetricAlarmInput, now time.Time) (*noOutput, *APIError) {
	if err := validatePutMetricAlarm(in); err != nil {
		return nil, err
	}
	limit := rs.cw.AlarmLimit
	if limit <= 0 {
		limit = defaultAlarmLimit
	}
	old, exists := rs.cw.Alarms[in.AlarmName]
	if !exists && len(rs.cw.Alarms) >= limit {
		return nil, limitExceeded("The maximum number of alarms (%d) for this region has been reached; delete alarms you no longer need (DeleteAlarms) before creating %s.", limit, in.AlarmName)
	}

	a := &cwAlarm{cwMetricAlarm: cwMetricAlarm{
		AlarmName:                          in.AlarmName,
		AlarmArn:                           e.alarmARN(rs, in.AlarmName),
		AlarmConfigurationUpdatedTimestamp: now,
		ActionsEnabled:                     in.ActionsEnabled == nil || *in.ActionsEnabled,
		OKActions:                          nonNil(in.OKActions),
		AlarmActions:                       nonNil(in.AlarmActions),
		InsufficientDataActions:            nonNil(in.InsufficientDataActions),
		MetricName:                         in.MetricName,
		Namespace:                          in.Namespace,
		Statistic:                          in.Statistic,
		ExtendedStatistic:                  in.ExtendedStatistic,
		Dimensions:                         nonNil(in.Dimensions),
		Period:                             *in.Period,
		Unit:                               in.Unit,
		EvaluationPeriods:                  *in.EvaluationPeriods,
		DatapointsToAlarm:                  in.DatapointsToAlarm,
		Threshold:                          *in.Threshold,
		ComparisonOperator:                 in.ComparisonOperator,
		TreatMissingData:                   in.TreatMissingData,
		EvaluateLowSampleCountPercentile:   in.EvaluateLowSampleCountPercentile,
	}}
	if in.AlarmDescription != nil {
		a.AlarmDescription = *in.AlarmDescription
	}
	if exists {
		// An update replaces the configuration but keeps the state, as AWS does; the next
		// evaluation judges the new configuration. Tags sent with an update are ignored (AWS
		// changes tags only through TagResource).
		a.StateValue, a.StateReason, a.StateReasonData = old.StateValue, old.StateReason, old.StateReasonData
		a.StateUpdatedTimestamp, a.StateTransitionedTimestamp = old.StateUpdatedTimestamp, old.StateTransitionedTimestamp
		a.Tags, a.Transitioned = old.Tags, old.Transitioned
		rs.cw.addConfigHistory(a.AlarmName, now, "updated", map[string]any{"type": "Update", "originalAlarm": historyJSON(old.cwMetricAlarm), "updatedAlarm": historyJSON(a.cwMetricAlarm)})
	} else {
		a.StateValue, a.StateReason = stateInsufficientData, initialStateReason
		a.StateUpdatedTimestamp, a.StateTransitionedTimestamp = now, now
		a.Tags = in.Tags
		rs.cw.addConfigHistory(a.AlarmName, now, "created", map[string]any{"type": "Create", "createdAlarm": historyJSON(a.cwMetricAlarm)})
	}
	rs.cw.Alarms[a.AlarmName] = a
	return &noOutput{}, nil
}

func validatePutMetricAlarm(in *putMetricAlarmInput) *APIError {
	var v cwValidator
	v.required("AlarmName", in.AlarmName != "")
	v.length("AlarmName", in.AlarmName, 1, 255)
	if in.AlarmDescription != nil {
		v.length("AlarmDescription", *in.AlarmDescription, 0, 1024)
	}
	validateAlarmActions(&v, in)
	validateAlarmMetric(&v, in)
	validateAlarmEvaluation(&v, in)
	v.required("Threshold", in.Threshold != nil)
	v.required("ComparisonOperator", in.ComparisonOperator != "")
	if slices.Contains(bandOperators, in.ComparisonOperator) {
		v.fail(validationError("ComparisonOperator %s is only valid for anomaly detection alarms, which the emulator does not support; use one of %s.", in.ComparisonOperator, strings.Join(comparisonOperators, ", ")))
	} else {
		v.enum("ComparisonOperator", in.ComparisonOperator, comparisonOperators...)
	}
	v.enum("TreatMissingData", in.TreatMissingData, treatMissingData...)
	v.enum("Unit", in.Unit, standardUnits...)
	v.count("Tags", len(in.Tags), 50)
	for _, t := range in.Tags {
		v.required("Tags.member.Key", t.Key != "")
		v.length("Tags.member.Key", t.Key, 1, 128)
		v.length("Tags.member.Value", t.Value, 0, 256)
	}
	return v.err
}

// validateAlarmActions checks the three action lists: at most five ARNs each.
func validateAlarmActions(v *cwValidator, in *putMetricAlarmInput) {
	for _, list := range []struct {
		param   string
		actions []string
	}{{"OKActions", in.OKActions}, {"AlarmActions", in.AlarmActions}, {"InsufficientDataActions", in.InsufficientDataActions}} {
		param, actions := list.param, list.actions
		v.count(param, len(actions), 5)
		for _, arn := range actions {
			v.length(param+".member", arn, 1, 1024)
			if !arnSyntax.MatchString(arn) {
				v.fail(validationError("Invalid arn syntax: %s. Alarm actions are ARNs such as arn:aws:autoscaling:<region>:<account>:scalingPolicy:<id>:autoScalingGroupName/<group>:policyName/<policy> (the ARN PutScalingPolicy returns).", truncate(arn, 256)))
			}
		}
	}
}

// validateAlarmMetric checks what the alarm watches: one metric and one statistic.
func validateAlarmMetric(v *cwValidator, in *putMetricAlarmInput) {
	if len(in.Metrics) > 0 || in.ThresholdMetricId != "" {
		v.fail(validationError("The emulator does not support metric math or anomaly detection alarms (Metrics, ThresholdMetricId); create a single-metric alarm with MetricName, Namespace, Statistic, Period and Threshold."))
	}
	if in.MetricName == "" {
		v.fail(validationError("MetricName must be specified (the emulator supports single-metric alarms only)."))
	}
	v.length("MetricName", in.MetricName, 1, 255)
	v.required("Namespace", in.Namespace != "")
	v.length("Namespace", in.Namespace, 1, 255)
	switch {
	case in.Statistic != "" && in.ExtendedStatistic != "":
		v.fail(validationError("Statistic and ExtendedStatistic cannot both be specified; set exactly one."))
	case in.Statistic == "" && in.ExtendedStatistic == "":
		v.fail(validationError("Exactly one of Statistic or ExtendedStatistic must be specified."))
	}
	v.enum("Statistic", in.Statistic, standardStatistics...)
	if in.ExtendedStatistic != "" && !percentileStatistic.MatchString(in.ExtendedStatistic) {
		v.fail(validationError("ExtendedStatistic %q is not supported: the emulator computes percentiles p0 to p100 (for example p90 or p99.9).", truncate(in.ExtendedStatistic, 64)))
	}
	v.enum("EvaluateLowSampleCountPercentile", in.EvaluateLowSampleCountPercentile, "evaluate", "ignore")
	if in.EvaluateLowSampleCountPercentile != "" && in.ExtendedStatistic == "" {
		v.fail(validationError("EvaluateLowSampleCountPercentile applies only to percentile alarms; remove it or set ExtendedStatistic."))
	}
	v.dimensions("Dimensions", in.Dimensions)
}

// validateAlarmEvaluation checks the periods the alarm evaluates.
func validateAlarmEvaluation(v *cwValidator, in *putMetricAlarmInput) {
	v.required("Period", in.Period != nil)
	if in.Period != nil && !slices.Contains(validAlarmPeriods, *in.Period) && (*in.Period < 60 || *in.Period%60 != 0) {
		v.fail(validationError("Period %d is not valid: use 10, 20, 30 or a multiple of 60 seconds.", *in.Period))
	}
	v.required("EvaluationPeriods", in.EvaluationPeriods != nil)
	v.atLeast("EvaluationPeriods", in.EvaluationPeriods, 1)
	v.atLeast("DatapointsToAlarm", in.DatapointsToAlarm, 1)
	if in.DatapointsToAlarm != nil && in.EvaluationPeriods != nil && *in.DatapointsToAlarm > *in.EvaluationPeriods {
		v.fail(validationError("DatapointsToAlarm (%d) must be less than or equal to EvaluationPeriods (%d).", *in.DatapointsToAlarm, *in.EvaluationPeriods))
	}
	if in.Period != nil && in.EvaluationPeriods != nil && *in.Period > 0 && *in.EvaluationPeriods > 0 {
		// AWS evaluates at most one day of data, or seven days for periods of an hour or more.
		maxRange := int64(24 * 3600)
		if *in.Period >= 3600 {
			maxRange = 7 * 24 * 3600
		}
		if int64(*in.Period)*int64(*in.EvaluationPeriods) > maxRange {
			v.fail(validationError("The product of Period (%d) and EvaluationPeriods (%d) must not exceed %d seconds; use fewer or shorter periods.", *in.Period, *in.EvaluationPeriods, maxRange))
		}
	}
}

func (e *Emulator) describeAlarms(rs *regionState, in *describeAlarmsInput, _ time.Time) (*describeAlarmsOutput, *APIError) {
	var v cwValidator
	v.count("AlarmNames", len(in.AlarmNames), 100)
	v.length("AlarmNamePrefix", in.AlarmNamePrefix, 1, 255)
	v.length("ActionPrefix", in.ActionPrefix, 1, 1024)
	v.enum("StateValue", in.StateValue, alarmStates...)
	for _, t := range in.AlarmTypes {
		v.enum("AlarmTypes.member", t, "CompositeAlarm", "MetricAlarm")
	}
	v.atLeast("MaxRecords", in.MaxRecords, 1)
	v.atMost("MaxRecords", in.MaxRecords, 100)
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "" {
		v.fail(senderError("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be used together; send one of them."))
	}
	if v.err != nil {
		return nil, v.err
	}

	out := &describeAlarmsOutput{}
	wantMetric := len(in.AlarmTypes) == 0 || slices.Contains(in.AlarmTypes, "MetricAlarm")
	if slices.Contains(in.AlarmTypes, "CompositeAlarm") {
		out.CompositeAlarms = []struct{}{} // the emulator has no composite alarms
	}
	if !wantMetric {
		return out, nil
	}
	var matched []*cwAlarm
	// Composite alarms do not exist here, so no alarm has children or parents.
	if in.ChildrenOfAlarmName == "" && in.ParentsOfAlarmName == "" {
		for _, a := range rs.cw.Alarms {
			if alarmMatches(a, in) {
				matched = append(matched, a)
			}
		}
	}
	slices.SortFunc(matched, func(a, b *cwAlarm) int { return strings.Compare(a.AlarmName, b.AlarmName) })
	pageSize := 50
	if in.MaxRecords != nil {
		pageSize = int(*in.MaxRecords)
	}
	page, next, err := paginate(matched, func(a *cwAlarm) string { return a.AlarmName }, true, in.NextToken, pageSize)
	if err != nil {
		return nil, err
	}
	out.MetricAlarms = make([]cwMetricAlarm, 0, len(page))
	for _, a := range page {
		out.MetricAlarms = append(out.MetricAlarms, a.cwMetricAlarm)
	}
	out.NextToken = next
	return out, nil
}

func alarmMatches(a *cwAlarm, in *describeAlarmsInput) bool {
	if len(in.AlarmNames) > 0 && !slices.Contains(in.AlarmNames, a.AlarmName) {
		return false
	}
	if !strings.HasPrefix(a.AlarmName, in.AlarmNamePrefix) {
		return false
	}
	if in.StateValue != "" && a.StateValue != in.StateValue {
		return false
	}
	if in.ActionPrefix != "" {
		all := slices.Concat(a.AlarmActions, a.OKActions, a.InsufficientDataActions)
		if !slices.ContainsFunc(all, func(arn string) bool { return strings.HasPrefix(arn, in.ActionPrefix) }) {
			return false
		}
	}
	return true
}

// deleteAlarms deletes the named alarms. Names that do not exist are skipped without error: that
// is what CloudWatch does, even though its API model lists ResourceNotFound for this action.
func (e *Emulator) deleteAlarms(rs *regionState, in *alarmNamesInput, now time.Time) (*noOutput, *APIError) {
	if err := validateAlarmNames(in); err != nil {
		return nil, err
	}
	for _, name := range in.AlarmNames {
		if a, ok := rs.cw.Alarms[name]; ok {
			delete(rs.cw.Alarms, name)
			rs.cw.addConfigHistory(name, now, "deleted", map[string]any{"type": "Delete", "deletedAlarm": historyJSON(a.cwMetricAlarm)})
		}
	}
	return &noOutput{}, nil
}

func validateAlarmNames(in *alarmNamesInput) *APIError {
	var v cwValidator
	v.required("AlarmNames", in.AlarmNames != nil)
	v.count("AlarmNames", len(in.AlarmNames), 100)
	for _, name := range in.AlarmNames {
		v.length("AlarmNames.member", name, 1, 255)
	}
	return v.err
}

func (e *Emulator) enableAlarmActions(rs *regionState, in *alarmNamesInput, now time.Time) (*noOutput, *APIError) {
	return e.setActionsEnabled(rs, in, true, now)
}

func (e *Emulator) disableAlarmActions(rs *regionState, in *alarmNamesInput, now time.Time) (*noOutput, *APIError) {
	return e.setActionsEnabled(rs, in, false, now)
}

// setActionsEnabled switches actions of the named alarms; unknown names are skipped, as AWS does.
func (e *Emulator) setActionsEnabled(rs *regionState, in *alarmNamesInput, enabled bool, now time.Time) (*noOutput, *APIError) {
	if err := validateAlarmNames(in); err != nil {
		return nil, err
	}
	for _, name := range in.AlarmNames {
		a, ok := rs.cw.Alarms[name]
		if !ok || a.ActionsEnabled == enabled {
			continue
		}
		original := a.cwMetricAlarm
		a.ActionsEnabled = enabled
		a.AlarmConfigurationUpdatedTimestamp = now
		rs.cw.addConfigHistory(name, now, "updated", map[string]any{"type": "Update", "originalAlarm": historyJSON(original), "updatedAlarm": historyJSON(a.cwMetricAlarm)})
	}
	return &noOutput{}, nil
}

// setAlarmState forces a state, as for testing actions: the alarm changes state and runs the new
// state's actions at once, and its next evaluation sets the state the data says. Setting the state
// the alarm is already in changes nothing, as in AWS.
func (e *Emulator) setAlarmState(rs *regionState, in *setAlarmStateInput, now time.Time) (*noOutput, *APIError) {
	var v cwValidator
	v.required("AlarmName", in.AlarmName != "")
	v.length("AlarmName", in.AlarmName, 1, 255)
	v.required("StateValue", in.StateValue != "")
	v.enum("StateValue", in.StateValue, alarmStates...)
	v.required("StateReason", in.StateReason != nil)
	if in.StateReason != nil {
		v.length("StateReason", *in.StateReason, 0, 1023)
	}
	v.length("StateReasonData", in.StateReasonData, 0, 4000)
	if v.err != nil {
		return nil, v.err
	}
	if in.StateReasonData != "" && !json.Valid([]byte(in.StateReasonData)) {
		return nil, senderError("InvalidFormat", "StateReasonData must be a JSON document; %q is not valid JSON.", truncate(in.StateReasonData, 64))
	}
	a, ok := rs.cw.Alarms[in.AlarmName]
	if !ok {
		return nil, alarmNotFound(in.AlarmName)
	}
	if a.StateValue != in.StateValue {
		e.changeAlarmState(rs, a, in.StateValue, *in.StateReason, in.StateReasonData, now)
	}
	return &noOutput{}, nil
}

func alarmNotFound(name string) *APIError {
	return &APIError{Code: "ResourceNotFound", Message: "Alarm " + name + " not found; create it with PutMetricAlarm or check the name and region.", Status: 404, Sender: true}
}

// nonNil makes absent lists empty ones: DescribeAlarms always returns the action and dimension
// lists, empty or not.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
