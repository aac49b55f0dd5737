package emulator

import (
	"math"
	"regexp"
	"sort"
	"strconv"
)

// The five standard statistics, in the order AWS documents them.
var standardStatistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

// percentileStatistic matches the extended statistics the emulator computes: p0 to p100 with up to
// ten decimals (p99, p99.9). AWS's trimmed-mean and other extended statistics are not emulated.
var percentileStatistic = regexp.MustCompile(`^p(100(\.0{1,10})?|\d{1,2}(\.\d{1,10})?)$`)

// cwAggregate is the statistics of the datapoints in one period.
type cwAggregate struct {
	sampleCount, sum, min, max float64
	// samples is the distribution for percentiles; noDistribution is set when a StatisticValues
	// datum is in the period, which makes percentiles unavailable.
	samples        []weightedSample
	noDistribution bool
}

type weightedSample struct{ value, count float64 }

// aggregate combines points (already filtered by time and unit); ok is false when there are none.
func aggregate(points []cwPoint) (agg cwAggregate, ok bool) {
	if len(points) == 0 {
		return agg, false
	}
	agg.min, agg.max = math.Inf(1), math.Inf(-1)
	for _, p := range points {
		agg.sampleCount += p.SampleCount
		agg.sum += p.Sum
		agg.min = math.Min(agg.min, p.Minimum)
		agg.max = math.Max(agg.max, p.Maximum)
		switch {
		case p.StatsOnly:
			agg.noDistribution = true
		case p.Values != nil:
			for i, v := range p.Values {
				agg.samples = append(agg.samples, weightedSample{v, countAt(p.Counts, i)})
			}
		default:
			agg.samples = append(agg.samples, weightedSample{p.Sum, 1})
		}
	}
	return agg, true
}

// countAt is the count of Values[i]: Counts[i], or 1 when Counts was not sent.
func countAt(counts []float64, i int) float64 {
	if counts == nil {
		return 1
	}
	return counts[i]
}

// statistic computes a standard statistic or a percentile; ok is false for a percentile the
// period's data cannot give.
func (a cwAggregate) statistic(name string) (float64, bool) {
	switch name {
	case "SampleCount":
		return a.sampleCount, true
	case "Average":
		return a.sum / a.sampleCount, true
	case "Sum":
		return a.sum, true
	case "Minimum":
		return a.min, true
	case "Maximum":
		return a.max, true
	}
	p, err := strconv.ParseFloat(name[1:], 64) // callers pass only names that passed validation
	if err != nil {
		return 0, false
	}
	return a.percentile(p)
}

// percentile is the nearest-rank percentile of the period's samples, weighted by their counts.
func (a cwAggregate) percentile(p float64) (float64, bool) {
	if a.noDistribution || len(a.samples) == 0 {
		return 0, false
	}
	samples := append([]weightedSample(nil), a.samples...)
	sort.Slice(samples, func(i, j int) bool { return samples[i].value < samples[j].value })
	var total float64
	for _, s := range samples {
		total += s.count
	}
	rank := p / 100 * total
	var seen float64
	for _, s := range samples {
		seen += s.count
		if seen >= rank && s.count > 0 {
			return s.value, true
		}
	}
	return samples[len(samples)-1].value, true
}
