package emulator

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AWS keeps one-minute datapoints for 15 days and alarm history for 30 days; the emulator keeps
// the same, so a long-running emulator stays bounded in memory and in its state file.
const (
	metricRetention  = 15 * 24 * time.Hour
	historyRetention = 30 * 24 * time.Hour
)

// cloudWatchState is one region's CloudWatch: metric data, alarms and alarm history. Fields are
// exported for the state file.
type cloudWatchState struct {
	// Series are keyed by seriesKey(namespace, metric, dimensions).
	Series map[string]*cwSeries `json:"series"`
	Alarms map[string]*cwAlarm  `json:"alarms"`
	// History is oldest first; each record has a Seq that stays its identity for paging.
	History []cwHistoryRecord `json:"history"`
	NextSeq int64             `json:"nextSeq"`
	// AlarmLimit is the most alarms a region may hold; 0 means defaultAlarmLimit. Tests lower it
	// to see LimitExceeded without creating thousands of alarms.
	AlarmLimit int `json:"alarmLimit,omitempty"`
	// LastPrune is when old data was last dropped; pruning runs at most hourly.
	LastPrune time.Time `json:"lastPrune"`
}

func newCloudWatchState() *cloudWatchState {
	return &cloudWatchState{Series: map[string]*cwSeries{}, Alarms: map[string]*cwAlarm{}}
}

// UnmarshalJSON reads the state file's form; maps a file leaves out or sets to null come back
// empty, so a hand-edited file cannot make the first PutMetricAlarm panic.
func (c *cloudWatchState) UnmarshalJSON(data []byte) error {
	type plain cloudWatchState // without this method
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*c = cloudWatchState(p)
	if c.Series == nil {
		c.Series = map[string]*cwSeries{}
	}
	if c.Alarms == nil {
		c.Alarms = map[string]*cwAlarm{}
	}
	return nil
}

// cwSeries is one metric: a namespace, a name and an exact set of dimensions. CloudWatch treats
// every distinct dimension set as a separate metric, and so does every query here.
type cwSeries struct {
	Namespace  string        `json:"namespace"`
	MetricName string        `json:"metricName"`
	Dimensions []cwDimension `json:"dimensions,omitempty"` // sorted by name
	// Points are sorted by timestamp, so time ranges are binary searches.
	Points []cwPoint `json:"points"`
}

// cwPoint is one published datum: a single value, a set of values with counts, or a statistic set.
type cwPoint struct {
	Timestamp   time.Time `json:"t"`
	Unit        string    `json:"unit,omitempty"`
	SampleCount float64   `json:"n"`
	Sum         float64   `json:"sum"`
	Minimum     float64   `json:"min"`
	Maximum     float64   `json:"max"`
	// Values and Counts keep the distribution of a Values/Counts datum for percentiles; a single
	// Value needs neither (it is Sum).
	Values []float64 `json:"values,omitempty"`
	Counts []float64 `json:"counts,omitempty"`
	// StatsOnly marks a StatisticValues datum: it has no distribution, so percentiles over a
	// period containing it are unavailable, as in AWS.
	StatsOnly bool `json:"statsOnly,omitempty"`
}

// seriesKey identifies a metric. Each part is quoted so no name or value can collide with another.
func seriesKey(namespace, metric string, dims []cwDimension) string {
	var b strings.Builder
	b.WriteString(strconv.Quote(namespace))
	b.WriteString(strconv.Quote(metric))
	for _, d := range dims {
		b.WriteString(strconv.Quote(d.Name))
		b.WriteString(strconv.Quote(d.Value))
	}
	return b.String()
}

// sortedDimensions returns a copy sorted by name: dimension order does not make a different metric.
func sortedDimensions(dims []cwDimension) []cwDimension {
	out := slices.Clone(dims)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// record stores one value the simulation measured (instance and group CPUUtilization). It skips
// PutMetricData's validation: the simulation publishes into AWS/ namespaces, which clients may not.
func (c *cloudWatchState) record(namespace, metric string, dims map[string]string, value float64, unit string, ts time.Time) {
	d := make([]cwDimension, 0, len(dims))
	for _, name := range slices.Sorted(maps.Keys(dims)) {
		d = append(d, cwDimension{Name: name, Value: dims[name]})
	}
	c.add(namespace, metric, d, cwPoint{Timestamp: ts.UTC(), Unit: unit, SampleCount: 1, Sum: value, Minimum: value, Maximum: value})
}

// add inserts p into its series, creating the series on first use. dims must be sorted.
func (c *cloudWatchState) add(namespace, metric string, dims []cwDimension, p cwPoint) {
	key := seriesKey(namespace, metric, dims)
	s, ok := c.Series[key]
	if !ok {
		s = &cwSeries{Namespace: namespace, MetricName: metric, Dimensions: dims}
		c.Series[key] = s
	}
	// Data nearly always arrives in time order, so this is an append; late data is inserted.
	i := sort.Search(len(s.Points), func(i int) bool { return s.Points[i].Timestamp.After(p.Timestamp) })
	s.Points = slices.Insert(s.Points, i, p)
}

// series finds the metric with exactly these dimensions (sorted), or nil.
func (c *cloudWatchState) series(namespace, metric string, dims []cwDimension) *cwSeries {
	return c.Series[seriesKey(namespace, metric, dims)]
}

// pointsIn are the series' points with start <= timestamp < end.
func (s *cwSeries) pointsIn(start, end time.Time) []cwPoint {
	from := sort.Search(len(s.Points), func(i int) bool { return !s.Points[i].Timestamp.Before(start) })
	to := sort.Search(len(s.Points), func(i int) bool { return !s.Points[i].Timestamp.Before(end) })
	if from >= to {
		return nil
	}
	return s.Points[from:to]
}

// maybePrune prunes if an hour has passed since the last time. Both alarm evaluation and
// PutMetricData call it, so a region only written to, never evaluated, stays bounded too.
func (c *cloudWatchState) maybePrune(now time.Time) {
	if now.Sub(c.LastPrune) >= time.Hour {
		c.prune(now)
		c.LastPrune = now
	}
}

// prune forgets datapoints and history older than AWS keeps them.
func (c *cloudWatchState) prune(now time.Time) {
	for key, s := range c.Series {
		i := sort.Search(len(s.Points), func(i int) bool { return !s.Points[i].Timestamp.Before(now.Add(-metricRetention)) })
		s.Points = slices.Delete(s.Points, 0, i)
		if len(s.Points) == 0 {
			delete(c.Series, key)
		}
	}
	i := sort.Search(len(c.History), func(i int) bool { return !c.History[i].Timestamp.Before(now.Add(-historyRetention)) })
	c.History = slices.Delete(c.History, 0, i)
}
