package emulator

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// stepCloudWatch is CloudWatch's part of one simulation step at the 10-second boundary t (e.mu
// held). Alarms whose period ends at t are evaluated; an alarm that stays in a state it changed
// into keeps invoking that state's Auto Scaling actions once a minute, as AWS documents ("an alarm
// invokes an Auto Scaling action once each minute when the alarm remains in a new state,
// regardless of the configured time period") — that repetition is what lets a SimpleScaling policy
// scale again once its cooldown ends.
func (e *Emulator) stepCloudWatch(rs *regionState, t time.Time) {
	for _, name := range slices.Sorted(maps.Keys(rs.cw.Alarms)) {
		a := rs.cw.Alarms[name]
		changed := false
		if a.Period > 0 && a.EvaluationPeriods > 0 && t.Unix()%int64(a.Period) == 0 {
			changed = e.evaluateAlarm(rs, a, t)
		}
		if !changed && a.Transitioned && t.Unix()%60 == 0 {
			e.runAlarmActions(rs, a, t, true)
		}
	}
	rs.cw.maybePrune(t)
}

// evalPoint is the alarm's statistic over one evaluated period.
type evalPoint struct {
	start       time.Time
	present     bool
	value       float64
	sampleCount float64
	breaching   bool
}

// alarmPoints are the alarm's last EvaluationPeriods periods ending at t, newest first.
func alarmPoints(c *cloudWatchState, a *cwAlarm, t time.Time) []evalPoint {
	period := time.Duration(a.Period) * time.Second
	series := c.series(a.Namespace, a.MetricName, sortedDimensions(a.Dimensions))
	points := make([]evalPoint, 0, a.EvaluationPeriods)
	for k := 1; k <= int(a.EvaluationPeriods); k++ {
		p := evalPoint{start: t.Add(-time.Duration(k) * period)}
		if series != nil {
			inPeriod := series.pointsIn(p.start, p.start.Add(period))
			if a.Unit != "" { // without a Unit, all units are evaluated together, as AWS does
				inPeriod = slices.DeleteFunc(slices.Clone(inPeriod), func(pt cwPoint) bool { return pt.Unit != a.Unit })
			}
			if agg, ok := aggregate(inPeriod); ok {
				p.value, p.present = agg.statistic(a.statistic())
				p.sampleCount = agg.sampleCount
				p.breaching = p.present && breaches(a.ComparisonOperator, p.value, a.Threshold)
			}
		}
		points = append(points, p)
	}
	return points
}

func breaches(op string, v, threshold float64) bool {
	switch op {
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "GreaterThanThreshold":
		return v > threshold
	case "LessThanThreshold":
		return v < threshold
	case "LessThanOrEqualToThreshold":
		return v <= threshold
	}
	return false
}

// verdict is what an evaluation concludes: the state, the datapoints that justify it, how many
// missing datapoints were counted as breaching or not breaching, and the fewest datapoints the
// transition needed (the "minimum" of M out of N reasons).
type verdict struct {
	state   string
	listed  []evalPoint
	filled  int
	minimum int
}

// decide applies M out of N and TreatMissingData. The emulator evaluates exactly the last N
// periods (AWS may look a little further back for real datapoints); within them it follows AWS's
// documented table: with "missing", a partial window is judged on the datapoints present (all of
// them breaching is enough) and an empty one is INSUFFICIENT_DATA; with "ignore", the state is kept
// until the present datapoints settle it either way. ok is false when the state is kept.
func decide(a *cwAlarm, points []evalPoint) (v verdict, ok bool) {
	n, m := len(points), a.datapointsToAlarm()
	var good, bad []evalPoint
	for _, p := range points {
		switch {
		case p.breaching:
			bad = append(bad, p)
		case p.present:
			good = append(good, p)
		}
	}
	present := len(good) + len(bad)
	missing := n - present
	alarm := func(filled, need int) (verdict, bool) { return verdict{stateAlarm, bad, filled, need}, true }
	okay := func(filled, need int) (verdict, bool) { return verdict{stateOK, good, filled, need}, true }
	switch a.TreatMissingData {
	case "breaching":
		if len(bad)+missing >= m {
			return alarm(missing, m)
		}
		return okay(0, n-m+1)
	case "notBreaching":
		if len(bad) >= m {
			return alarm(0, m)
		}
		return okay(missing, n-m+1)
	case "ignore":
		switch {
		case len(bad) >= m:
			return alarm(0, m)
		case len(good) > n-m: // too few periods left to ever reach m breaching ones
			return okay(0, n-m+1)
		}
		return verdict{}, false
	default: // "missing"
		if present == 0 {
			return verdict{state: stateInsufficientData}, true
		}
		need := min(m, present)
		if len(bad) >= need {
			return alarm(0, need)
		}
		return okay(0, present-need+1)
	}
}

// evaluateAlarm evaluates a at the end of a period and changes its state if the data says so;
// it reports whether the state changed.
func (e *Emulator) evaluateAlarm(rs *regionState, a *cwAlarm, t time.Time) bool {
	points := alarmPoints(rs.cw, a, t)
	v, ok := decide(a, points)
	if !ok || v.state == a.StateValue {
		return false
	}
	e.changeAlarmState(rs, a, v.state, stateReason(a, v), stateReasonData(a, points, t), t)
	return true
}

// changeAlarmState moves a into state, records the change and runs the new state's actions.
func (e *Emulator) changeAlarmState(rs *regionState, a *cwAlarm, state, reason, reasonData string, now time.Time) {
	rs.cw.addStateHistory(a, state, reason, reasonData, now)
	a.StateValue, a.StateReason, a.StateReasonData = state, reason, reasonData
	a.StateUpdatedTimestamp, a.StateTransitionedTimestamp = now, now
	a.Transitioned = true
	e.runAlarmActions(rs, a, now, false)
}

// autoScalingPolicyARN matches arn:aws:autoscaling:<region>:<account>:scalingPolicy:... in any
// partition.
var autoScalingPolicyARN = regexp.MustCompile(`^arn:[a-z-]+:autoscaling:[^:]*:[^:]*:scalingPolicy:`)

// runAlarmActions runs the actions of a's current state (only the Auto Scaling ones when
// repeating them), recording each in the alarm's history. Auto Scaling policies run in the
// emulator; other actions (SNS, Lambda, EC2) have nowhere to go, so they are only recorded.
func (e *Emulator) runAlarmActions(rs *regionState, a *cwAlarm, now time.Time, autoScalingOnly bool) {
	if !a.ActionsEnabled {
		return
	}
	for _, arn := range a.actionsFor(a.StateValue) {
		switch {
		case autoScalingPolicyARN.MatchString(arn):
			rs.cw.addActionHistory(a.AlarmName, arn, now, e.executePolicyFromAlarm(rs, arn, a.AlarmName, now))
		case !autoScalingOnly:
			rs.cw.addActionHistory(a.AlarmName, arn, now, nil)
		}
	}
}

var comparisonPhrases = map[string]string{
	"GreaterThanOrEqualToThreshold": "greater than or equal to",
	"GreaterThanThreshold":          "greater than",
	"LessThanThreshold":             "less than",
	"LessThanOrEqualToThreshold":    "less than or equal to",
}

// stateReason writes the reason AWS gives, e.g. "Threshold Crossed: 6 datapoints [85.0
// (26/11/26 10:05:00), ...] were greater than the threshold (80.0)." or, for M out of N alarms,
// "Threshold Crossed: 2 out of the last 3 datapoints [...] were greater than the threshold (80.0)
// (minimum 2 datapoints for OK -> ALARM transition)."
func stateReason(a *cwAlarm, v verdict) string {
	n, m := int(a.EvaluationPeriods), a.datapointsToAlarm()
	if v.state == stateInsufficientData {
		return fmt.Sprintf("Insufficient Data: %s %s unknown.", plural(n, "datapoint"), wasWere(n))
	}
	not, treated := "", "Breaching"
	if v.state == stateOK {
		not, treated = "not ", "NonBreaching"
	}
	var b strings.Builder
	b.WriteString("Threshold Crossed: ")
	if len(v.listed) == 0 {
		fmt.Fprintf(&b, "no datapoints were received for %s and %s %s treated as [%s]",
			plural(v.filled, "period"), plural(v.filled, "missing datapoint"), wasWere(v.filled), treated)
	} else {
		if m < n {
			fmt.Fprintf(&b, "%d out of the last %d datapoints", len(v.listed), n)
		} else {
			b.WriteString(plural(len(v.listed), "datapoint"))
		}
		list := make([]string, len(v.listed))
		for i, p := range v.listed {
			list[i] = fmt.Sprintf("%s (%s)", formatValue(p.value), p.start.UTC().Format("02/01/06 15:04:05"))
		}
		fmt.Fprintf(&b, " [%s] %s %s%s the threshold (%s)", strings.Join(list, ", "), wasWere(len(v.listed)),
			not, comparisonPhrases[a.ComparisonOperator], formatValue(a.Threshold))
		if v.filled > 0 {
			fmt.Fprintf(&b, " and %s %s treated as [%s]", plural(v.filled, "missing datapoint"), wasWere(v.filled), treated)
		}
	}
	if m < n {
		fmt.Fprintf(&b, " (minimum %s for %s -> %s transition)", plural(v.minimum, "datapoint"), a.StateValue, v.state)
	}
	b.WriteString(".")
	return b.String()
}

// stateReasonData is the machine-readable reason AWS attaches to evaluated state changes.
func stateReasonData(a *cwAlarm, points []evalPoint, t time.Time) string {
	type evaluated struct {
		Timestamp   string   `json:"timestamp"`
		SampleCount *float64 `json:"sampleCount,omitempty"`
		Value       *float64 `json:"value,omitempty"`
	}
	doc := struct {
		Version             string      `json:"version"`
		QueryDate           string      `json:"queryDate"`
		StartDate           string      `json:"startDate"`
		Unit                string      `json:"unit,omitempty"`
		Statistic           string      `json:"statistic,omitempty"`
		ExtendedStatistic   string      `json:"extendedStatistic,omitempty"`
		Period              int32       `json:"period"`
		RecentDatapoints    []float64   `json:"recentDatapoints"`
		Threshold           float64     `json:"threshold"`
		EvaluatedDatapoints []evaluated `json:"evaluatedDatapoints"`
	}{
		Version:           "1.0",
		QueryDate:         reasonDataTime(t),
		StartDate:         reasonDataTime(points[len(points)-1].start),
		Unit:              a.Unit,
		Statistic:         a.Statistic,
		ExtendedStatistic: a.ExtendedStatistic,
		Period:            a.Period,
		RecentDatapoints:  []float64{},
		Threshold:         a.Threshold,
	}
	for i := len(points) - 1; i >= 0; i-- { // recentDatapoints run oldest to newest
		if points[i].present {
			doc.RecentDatapoints = append(doc.RecentDatapoints, points[i].value)
		}
	}
	for _, p := range points { // evaluatedDatapoints newest first
		ev := evaluated{Timestamp: reasonDataTime(p.start)}
		if p.present {
			ev.SampleCount, ev.Value = ptr(p.sampleCount), ptr(p.value)
		}
		doc.EvaluatedDatapoints = append(doc.EvaluatedDatapoints, ev)
	}
	return marshalHistoryJSON(doc)
}

// reasonDataTime is the timestamp format of StateReasonData and HistoryData.
func reasonDataTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// formatValue writes numbers as AWS's reasons do: 85.0, 80.5, never 85.
func formatValue(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
