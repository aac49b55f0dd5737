package harness

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics is one scrape of a Prometheus endpoint, by family name.
type Metrics map[string]*dto.MetricFamily

// ScrapeMetrics reads the manager's /metrics.
func (m *Manager) ScrapeMetrics(ctx context.Context) (Metrics, error) {
	return Scrape(ctx, m.MetricsURL())
}

// Scrape reads a Prometheus text endpoint.
func Scrape(ctx context.Context, url string) (Metrics, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return ParseMetrics(resp.Body)
}

// ParseMetrics parses the Prometheus text format.
func ParseMetrics(r io.Reader) (Metrics, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	return Metrics(fams), err
}

// matches reports whether m carries every label of want.
func matches(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == k && lp.GetValue() == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Value is the sum of the gauge, counter or untyped values of the family's series that carry the
// given labels (all series with nil), and whether any matched.
func (ms Metrics) Value(name string, labels map[string]string) (float64, bool) {
	f := ms[name]
	if f == nil {
		return 0, false
	}
	sum, found := 0.0, false
	for _, m := range f.GetMetric() {
		if !matches(m, labels) {
			continue
		}
		switch {
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Untyped != nil:
			sum += m.GetUntyped().GetValue()
		default:
			continue
		}
		found = true
	}
	return sum, found
}

// SumBy sums a counter or gauge family's values by the value of one label.
func (ms Metrics) SumBy(name, label string) map[string]float64 {
	out := map[string]float64{}
	f := ms[name]
	if f == nil {
		return out
	}
	for _, m := range f.GetMetric() {
		key := ""
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				key = lp.GetValue()
			}
		}
		out[key] += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
	}
	return out
}

// LabelValues lists the distinct values of label in a family, sorted.
func (ms Metrics) LabelValues(name, label string) []string {
	seen := map[string]bool{}
	if f := ms[name]; f != nil {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label {
					seen[lp.GetValue()] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Histogram is a cumulative histogram merged over series: upper bounds ascending, cumulative
// counts, total count and sum.
type Histogram struct {
	Bounds []float64
	Counts []uint64
	Count  uint64
	Sum    float64
}

// Histogram merges the family's histogram series that carry the given labels. Series must share
// bucket bounds (as one histogram vector's always do).
func (ms Metrics) Histogram(name string, labels map[string]string) (Histogram, bool) {
	var h Histogram
	f := ms[name]
	if f == nil {
		return h, false
	}
	found := false
	for _, m := range f.GetMetric() {
		if m.Histogram == nil || !matches(m, labels) {
			continue
		}
		mh := m.GetHistogram()
		if !found {
			for _, b := range mh.GetBucket() {
				h.Bounds = append(h.Bounds, b.GetUpperBound())
			}
			h.Counts = make([]uint64, len(h.Bounds))
			found = true
		}
		for i, b := range mh.GetBucket() {
			if i < len(h.Counts) && b.GetUpperBound() == h.Bounds[i] {
				h.Counts[i] += b.GetCumulativeCount()
			}
		}
		h.Count += mh.GetSampleCount()
		h.Sum += mh.GetSampleSum()
	}
	return h, found
}

// Sub returns h - earlier, bucket by bucket (a histogram over the interval between two scrapes).
func (h Histogram) Sub(earlier Histogram) Histogram {
	out := Histogram{Bounds: h.Bounds, Counts: make([]uint64, len(h.Counts)), Count: h.Count - earlier.Count, Sum: h.Sum - earlier.Sum}
	for i := range h.Counts {
		out.Counts[i] = h.Counts[i]
		if i < len(earlier.Counts) {
			out.Counts[i] -= earlier.Counts[i]
		}
	}
	return out
}

// Quantile estimates the q-quantile (0..1) as Prometheus's histogram_quantile does: linear
// interpolation within the bucket that holds the rank, the lower bound of the first bucket taken
// as 0, and the highest finite bound when the rank falls in the +Inf bucket. NaN when empty.
func (h Histogram) Quantile(q float64) float64 {
	if h.Count == 0 || len(h.Bounds) == 0 {
		return math.NaN()
	}
	rank := q * float64(h.Count)
	for i, c := range h.Counts {
		if float64(c) < rank {
			continue
		}
		lower, below := 0.0, uint64(0)
		if i > 0 {
			lower, below = h.Bounds[i-1], h.Counts[i-1]
		}
		upper := h.Bounds[i]
		if math.IsInf(upper, 1) {
			return lower
		}
		inBucket := c - below
		if inBucket == 0 {
			return upper
		}
		return lower + (upper-lower)*(rank-float64(below))/float64(inBucket)
	}
	// The rank is in the implicit +Inf bucket: the highest finite bound is all we know.
	return h.Bounds[len(h.Bounds)-1]
}

// String is a short rendering for logs.
func (h Histogram) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "count=%d sum=%.3f", h.Count, h.Sum)
	for i := range h.Bounds {
		fmt.Fprintf(&b, " le%g=%d", h.Bounds[i], h.Counts[i])
	}
	return b.String()
}
