package emulator

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// PutMetricData's accepted timestamps: up to two weeks old and two hours ahead, as in AWS.
const (
	maxDatumAge    = 14 * 24 * time.Hour
	maxDatumFuture = 2 * time.Hour
	// maxMetricValue is AWS's bound on magnitudes (2^360).
	maxMetricValue = 0x1p360
)

func missingParameter(param string) *APIError {
	return senderError("MissingParameter", "The parameter %s is required.", param)
}

func invalidParameterValue(format string, a ...any) *APIError {
	return senderError("InvalidParameterValue", format, a...)
}

func invalidParameterCombination(format string, a ...any) *APIError {
	return senderError("InvalidParameterCombination", format, a...)
}

func (e *Emulator) putMetricData(rs *regionState, in *putMetricDataInput, now time.Time) (*noOutput, *APIError) {
	var v cwValidator
	if in.Namespace == "" {
		v.fail(missingParameter("Namespace"))
	}
	v.length("Namespace", in.Namespace, 1, 255)
	if strings.HasPrefix(in.Namespace, "AWS/") || strings.HasPrefix(in.Namespace, ":") {
		v.fail(invalidParameterValue("The value %s for parameter Namespace is invalid: namespaces starting with \"AWS/\" are reserved for AWS services (and none may start with \":\"); publish custom metrics under your own namespace.", truncate(in.Namespace, 64)))
	}
	if len(in.MetricData) == 0 {
		v.fail(missingParameter("MetricData"))
	}
	if len(in.MetricData) > 1000 {
		v.fail(invalidParameterValue("The collection MetricData must not have more than 1000 elements (it has %d); split the data across requests.", len(in.MetricData)))
	}
	for i, d := range in.MetricData {
		validateDatum(&v, fmt.Sprintf("MetricData.member.%d", i+1), d, now)
	}
	if v.err != nil {
		return nil, v.err
	}
	for _, d := range in.MetricData {
		ts := now
		if d.Timestamp != nil {
			ts = *d.Timestamp
		}
		rs.cw.add(in.Namespace, d.MetricName, sortedDimensions(d.Dimensions), datumPoint(d, ts))
	}
	rs.cw.maybePrune(now)
	return &noOutput{}, nil
}

func validateDatum(v *cwValidator, param string, d cwMetricDatum, now time.Time) {
	if d.MetricName == "" {
		v.fail(missingParameter(param + ".MetricName"))
	}
	v.length(param+".MetricName", d.MetricName, 1, 255)
	v.dimensions(param+".Dimensions", d.Dimensions)
	v.enum(param+".Unit", d.Unit, standardUnits...)
	if d.StorageResolution != nil && *d.StorageResolution != 1 && *d.StorageResolution != 60 {
		v.fail(invalidParameterValue("The value %d for parameter %s.StorageResolution is invalid: use 1 (high resolution) or 60.", *d.StorageResolution, param))
	}
	if d.Timestamp != nil {
		if d.Timestamp.Before(now.Add(-maxDatumAge)) {
			v.fail(invalidParameterValue("The parameter %s.Timestamp must specify a time no more than two weeks in the past.", param))
		}
		if d.Timestamp.After(now.Add(maxDatumFuture)) {
			v.fail(invalidParameterValue("The parameter %s.Timestamp must specify a time no more than two hours in the future.", param))
		}
	}

	validateDatumKind(v, param, d)
	checkValue := func(name string, f float64) {
		if math.Abs(f) > maxMetricValue {
			v.fail(invalidParameterValue("The value %g for parameter %s is invalid: values must be between -2^360 and 2^360.", f, name))
		}
	}
	if d.Value != nil {
		checkValue(param+".Value", *d.Value)
	}
	for i, f := range d.Values {
		checkValue(fmt.Sprintf("%s.Values.member.%d", param, i+1), f)
	}
	for i, c := range d.Counts {
		checkValue(fmt.Sprintf("%s.Counts.member.%d", param, i+1), c)
		if c <= 0 {
			v.fail(invalidParameterValue("The value %g for parameter %s.Counts.member.%d is invalid: counts must be positive.", c, param, i+1))
		}
	}
	if s := d.StatisticValues; s != nil {
		for _, m := range []struct {
			name string
			v    *float64
		}{{"SampleCount", s.SampleCount}, {"Sum", s.Sum}, {"Minimum", s.Minimum}, {"Maximum", s.Maximum}} {
			if m.v == nil {
				v.fail(missingParameter(param + ".StatisticValues." + m.name))
			} else {
				checkValue(param+".StatisticValues."+m.name, *m.v)
			}
		}
		if s.SampleCount != nil && *s.SampleCount <= 0 {
			v.fail(invalidParameterValue("The value %g for parameter %s.StatisticValues.SampleCount is invalid: it must be positive.", *s.SampleCount, param))
		}
		if s.Minimum != nil && s.Maximum != nil && *s.Minimum > *s.Maximum {
			v.fail(invalidParameterValue("The parameter %s.StatisticValues.Minimum (%g) must not be greater than Maximum (%g).", param, *s.Minimum, *s.Maximum))
		}
	}
}

// validateDatumKind checks that a datum is exactly one of Value, StatisticValues or Values (with
// Counts to match).
func validateDatumKind(v *cwValidator, param string, d cwMetricDatum) {
	var kinds []string
	if d.Value != nil {
		kinds = append(kinds, param+".Value")
	}
	if d.StatisticValues != nil {
		kinds = append(kinds, param+".StatisticValues")
	}
	if d.Values != nil {
		kinds = append(kinds, param+".Values")
	}
	switch {
	case len(kinds) > 1:
		v.fail(invalidParameterCombination("The parameters %s are mutually exclusive and you have specified more than one; send each datum as one of Value, StatisticValues or Values.", strings.Join(kinds, " and ")))
	case len(kinds) == 0:
		v.fail(missingParameter(param + ".Value"))
	}
	if d.Counts != nil && d.Values == nil {
		v.fail(invalidParameterCombination("The parameter %s.Counts requires %s.Values.", param, param))
	}
	if d.Counts != nil && len(d.Counts) != len(d.Values) {
		v.fail(invalidParameterValue("The parameters %s.Values and %s.Counts must be of the same size.", param, param))
	}
	if d.Values != nil && len(d.Values) == 0 {
		v.fail(invalidParameterValue("The collection %s.Values must have at least one element.", param))
	}
	if len(d.Values) > 150 {
		v.fail(invalidParameterValue("The collection %s.Values must not have more than 150 elements; split the values across data.", param))
	}
}

// datumPoint turns a validated datum into a stored point.
func datumPoint(d cwMetricDatum, ts time.Time) cwPoint {
	p := cwPoint{Timestamp: ts.UTC(), Unit: d.Unit}
	switch {
	case d.Value != nil:
		p.SampleCount, p.Sum, p.Minimum, p.Maximum = 1, *d.Value, *d.Value, *d.Value
	case d.StatisticValues != nil:
		s := d.StatisticValues
		p.SampleCount, p.Sum, p.Minimum, p.Maximum = *s.SampleCount, *s.Sum, *s.Minimum, *s.Maximum
		p.StatsOnly = true
	default:
		p.Values, p.Counts = d.Values, d.Counts
		p.Minimum, p.Maximum = math.Inf(1), math.Inf(-1)
		for i, f := range d.Values {
			c := countAt(d.Counts, i)
			p.SampleCount += c
			p.Sum += f * c
			p.Minimum, p.Maximum = math.Min(p.Minimum, f), math.Max(p.Maximum, f)
		}
	}
	return p
}

// maxDatapoints is AWS's limit on datapoints one GetMetricStatistics call may return.
const maxDatapoints = 1440

func (e *Emulator) getMetricStatistics(rs *regionState, in *getMetricStatisticsInput, _ time.Time) (*getMetricStatisticsOutput, *APIError) {
	if err := validateGetMetricStatistics(in); err != nil {
		return nil, err
	}
	period := time.Duration(*in.Period) * time.Second
	// AWS rounds StartTime down to the minute (to the second for sub-minute periods), so periods
	// line up with how data is stored.
	start := in.StartTime.Truncate(time.Second)
	if *in.Period%60 == 0 {
		start = in.StartTime.Truncate(time.Minute)
	}
	end := *in.EndTime
	if n := int64(math.Ceil(float64(end.Sub(start)) / float64(period))); n > maxDatapoints {
		return nil, invalidParameterCombination("You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n, maxDatapoints)
	}

	out := &getMetricStatisticsOutput{Label: in.MetricName, Datapoints: []cwDatapoint{}}
	series := rs.cw.series(in.Namespace, in.MetricName, sortedDimensions(in.Dimensions))
	if series == nil {
		return out, nil
	}
	for from := start; from.Before(end); from = from.Add(period) {
		to := from.Add(period)
		if to.After(end) {
			to = end
		}
		points := series.pointsIn(from, to)
		// Data published with different units is reported per unit, as AWS does when Unit is omitted.
		byUnit := map[string][]cwPoint{}
		for _, p := range points {
			unit := p.Unit
			if unit == "" {
				unit = "None"
			}
			if in.Unit == "" || unit == in.Unit {
				byUnit[unit] = append(byUnit[unit], p)
			}
		}
		for _, unit := range slices.Sorted(maps.Keys(byUnit)) {
			if dp, ok := datapoint(from, unit, byUnit[unit], in); ok {
				out.Datapoints = append(out.Datapoints, dp)
			}
		}
	}
	return out, nil
}

// datapoint computes the requested statistics over one period's points of one unit; ok is false
// when nothing requested could be computed (only percentiles, over statistic sets).
func datapoint(at time.Time, unit string, points []cwPoint, in *getMetricStatisticsInput) (cwDatapoint, bool) {
	agg, ok := aggregate(points)
	if !ok {
		return cwDatapoint{}, false
	}
	dp := cwDatapoint{Timestamp: at, Unit: unit}
	fields := map[string]**float64{"SampleCount": &dp.SampleCount, "Average": &dp.Average, "Sum": &dp.Sum, "Minimum": &dp.Minimum, "Maximum": &dp.Maximum}
	for _, s := range in.Statistics {
		v, _ := agg.statistic(s)
		*fields[s] = ptr(v)
	}
	computed := len(in.Statistics) > 0
	for _, s := range in.ExtendedStatistics {
		if v, ok := agg.statistic(s); ok {
			if dp.ExtendedStatistics == nil {
				dp.ExtendedStatistics = map[string]float64{}
			}
			dp.ExtendedStatistics[s] = v
			computed = true
		}
	}
	return dp, computed
}

func validateGetMetricStatistics(in *getMetricStatisticsInput) *APIError {
	var v cwValidator
	for _, req := range []struct {
		name string
		sent bool
	}{{"Namespace", in.Namespace != ""}, {"MetricName", in.MetricName != ""}, {"StartTime", in.StartTime != nil}, {"EndTime", in.EndTime != nil}, {"Period", in.Period != nil}} {
		if !req.sent {
			v.fail(missingParameter(req.name))
		}
	}
	v.length("Namespace", in.Namespace, 1, 255)
	v.length("MetricName", in.MetricName, 1, 255)
	v.dimensions("Dimensions", in.Dimensions)
	v.enum("Unit", in.Unit, standardUnits...)
	switch {
	case len(in.Statistics) > 0 && len(in.ExtendedStatistics) > 0:
		v.fail(invalidParameterCombination("Statistics and ExtendedStatistics cannot be specified together; request percentiles in a separate call."))
	case len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0:
		v.fail(missingParameter("Statistics or ExtendedStatistics"))
	}
	v.count("Statistics", len(in.Statistics), 5)
	for _, s := range in.Statistics {
		v.enum("Statistics.member", s, standardStatistics...)
	}
	v.count("ExtendedStatistics", len(in.ExtendedStatistics), 10)
	for _, s := range in.ExtendedStatistics {
		if !percentileStatistic.MatchString(s) {
			v.fail(invalidParameterValue("The value %s for parameter ExtendedStatistics is invalid: the emulator computes percentiles p0 to p100 (for example p90 or p99.9).", truncate(s, 64)))
		}
	}
	if p := in.Period; p != nil && !slices.Contains([]int32{1, 5, 10, 20, 30}, *p) && (*p < 60 || *p%60 != 0) {
		v.fail(invalidParameterValue("The parameter Period (%d) must be a multiple of 60, or 1, 5, 10, 20 or 30 for high-resolution data.", *p))
	}
	if in.StartTime != nil && in.EndTime != nil && !in.StartTime.Before(*in.EndTime) {
		v.fail(invalidParameterValue("The parameter StartTime must be less than the parameter EndTime."))
	}
	return v.err
}
