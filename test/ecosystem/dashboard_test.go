package ecosystem

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// query is one PromQL expression of the dashboard or the rules, and where it comes from.
type query struct{ where, expr string }

// grafanaVariables stand in for what Grafana substitutes before a query reaches Prometheus.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$namespace", ".*", "$group", ".*")

// labelValues is Grafana's variable query label_values(<selector>, <label>).
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

func dashboardQueries(t *testing.T) []query {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "grafana", "autoscale-operator.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("config/grafana/autoscale-operator.json: %v", err)
	}
	var qs []query
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			if p.Type != "row" && p.Description == "" {
				t.Errorf("panel %q has no description", p.Title)
			}
			for _, tg := range p.Targets {
				qs = append(qs, query{fmt.Sprintf("panel %q %s", p.Title, tg.RefID), tg.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		s, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(<selector>, <label>)", v.Name, s)
			continue
		}
		// The label must exist on the selector's series: check it as a grouping label.
		qs = append(qs, query{"variable " + v.Name, fmt.Sprintf("sum by (%s) (%s)", m[2], m[1])})
	}
	return qs
}

type panel struct {
	Title       string  `json:"title"`
	Type        string  `json:"type"`
	Description string  `json:"description"`
	Panels      []panel `json:"panels"`
	Targets     []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

func ruleQueries(t *testing.T) []query {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Spec struct {
			Groups []struct {
				Rules []struct {
					Alert  string `json:"alert"`
					Record string `json:"record"`
					Expr   string `json:"expr"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &pr); err != nil {
		t.Fatal(err)
	}
	var qs []query
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			qs = append(qs, query{"rule " + r.Alert + r.Record, r.Expr})
		}
	}
	return qs
}

// family is what a scrape says of a metric name: its label names and series.
type family struct {
	labels map[string]bool
	series []labels.Labels
}

// families indexes a scrape by the names PromQL can select: a histogram's _bucket (with le),
// _sum and _count, and every other family's own name.
func families(ms harness.Metrics) map[string]family {
	out := map[string]family{}
	add := func(name string, m *dto.Metric, extra ...string) {
		f, ok := out[name]
		if !ok {
			f = family{labels: map[string]bool{}}
		}
		b := labels.NewBuilder(labels.EmptyLabels())
		for _, lp := range m.GetLabel() {
			f.labels[lp.GetName()] = true
			b.Set(lp.GetName(), lp.GetValue())
		}
		for _, l := range extra {
			f.labels[l] = true
		}
		f.series = append(f.series, b.Labels())
		out[name] = f
	}
	for name, mf := range ms {
		for _, m := range mf.GetMetric() {
			if mf.GetType() == dto.MetricType_HISTOGRAM {
				add(name+"_bucket", m, "le")
				add(name+"_sum", m)
				add(name+"_count", m)
				continue
			}
			add(name, m)
		}
	}
	return out
}

// check parses q and returns what in it the scrape does not support: a metric not exported, a
// label the metric does not carry, an equality or regexp matcher no series satisfies, a grouping
// label none of the aggregated metrics carries.
func check(q query, fams map[string]family) []string {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVariables.Replace(q.expr))
	if err != nil {
		return []string{fmt.Sprintf("%s: does not parse: %v", q.where, err)}
	}
	var problems []string
	var names []string
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			names = append(names, n.Name)
			f, ok := fams[n.Name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: the manager exports no %s", q.where, n.Name))
				return nil
			}
			for _, m := range n.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					continue
				}
				if !f.labels[m.Name] {
					problems = append(problems, fmt.Sprintf("%s: %s has no label %s", q.where, n.Name, m.Name))
					continue
				}
				if m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp {
					if !slices.ContainsFunc(f.series, func(s labels.Labels) bool { return m.Matches(s.Get(m.Name)) }) {
						problems = append(problems, fmt.Sprintf("%s: no %s series has %s", q.where, n.Name, m))
					}
				}
			}
		case *parser.AggregateExpr:
			var below []string
			parser.Inspect(n.Expr, func(inner parser.Node, _ []parser.Node) error {
				if vs, ok := inner.(*parser.VectorSelector); ok {
					below = append(below, vs.Name)
				}
				return nil
			})
			for _, l := range n.Grouping {
				if !slices.ContainsFunc(below, func(name string) bool { return fams[name].labels[l] }) {
					problems = append(problems, fmt.Sprintf("%s: grouping by %s, which none of %v carries", q.where, l, below))
				}
			}
		}
		return nil
	})
	if len(names) == 0 {
		problems = append(problems, fmt.Sprintf("%s: selects no metric", q.where))
	}
	return problems
}

// TestDashboardAndRulesNameExportedMetrics parses every query of the Grafana dashboard and every
// alert expression with Prometheus's PromQL parser and checks it against a scrape of the running
// manager's /metrics, after the manager has done what makes each series appear: reconciled a
// few sets of objects, been throttled once by AWS, and watched a group's launches succeed and
// fail (scaled past the account's instance quota, as AWS reports it).
func TestDashboardAndRulesNameExportedMetrics(t *testing.T) {
	g := NewWithT(t)
	ctx := testContext(t, 3*time.Minute)
	qs := append(dashboardQueries(t), ruleQueries(t)...)
	g.Expect(len(qs)).To(BeNumerically(">", 10))

	const ns, prefix = "metrics", "metrics"
	g.Expect(env.EnsureNamespace(ctx, ns)).To(Succeed())
	env.Emulator.Faults().Set("DescribeAutoScalingGroups", emulator.FaultRule{FailNext: 1, Code: "Throttling"})
	t.Cleanup(env.Emulator.Faults().Clear)
	sets, err := env.CreateSets(ctx, ns, prefix, 2, harness.SetTemplate{MinSize: 1, MaxSize: 2 * maxInstances})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = env.WaitReady(ctx, ns, prefix, 6, 200*time.Millisecond)
	g.Expect(err).NotTo(HaveOccurred())
	big := sets[0].Name
	out, err := kubectl("-n", ns, "scale", "asg", big, fmt.Sprintf("--replicas=%d", maxInstances+1))
	g.Expect(err).NotTo(HaveOccurred(), out)
	t.Cleanup(func() {
		// Give the instances back, and wait until they are gone: a test that launches while the
		// quota is full gets a failed launch and a five-minute back-off.
		if out, err := kubectl("-n", ns, "scale", "asg", big, "--replicas=1"); err != nil {
			t.Errorf("scaling %s back: %v: %s", big, err, out)
			return
		}
		NewWithT(t).Eventually(func() int {
			return len(env.Emulator.Snapshot().Regions[harness.Region].Groups[big].Instances)
		}).WithTimeout(time.Minute).WithPolling(200 * time.Millisecond).Should(Equal(1))
	})

	var problems []string
	g.Eventually(func() []string {
		ms, err := env.Manager.ScrapeMetrics(ctx)
		if err != nil {
			return []string{err.Error()}
		}
		fams := families(ms)
		problems = nil
		for _, q := range qs {
			problems = append(problems, check(q, fams)...)
		}
		return problems
	}).WithContext(ctx).WithTimeout(90 * time.Second).WithPolling(time.Second).Should(BeEmpty())
	t.Logf("%d queries checked against the manager's metrics", len(qs))
}

// TestCheckFindsWhatIsNotExported keeps the checker honest on made-up queries.
func TestCheckFindsWhatIsNotExported(t *testing.T) {
	ms, err := harness.ParseMetrics(strings.NewReader(`# TYPE autoscale_operator_resources gauge
autoscale_operator_resources{kind="Trigger",state="ready"} 1
# TYPE lat histogram
lat_bucket{action="Describe",le="1"} 1
lat_bucket{action="Describe",le="+Inf"} 1
lat_sum{action="Describe"} 0.5
lat_count{action="Describe"} 1
`))
	if err != nil {
		t.Fatal(err)
	}
	fams := families(ms)
	for expr, wantProblem := range map[string]bool{
		`sum by (kind) (autoscale_operator_resources{state="ready"})`:                       false,
		`histogram_quantile(0.9, sum by (action, le) (rate(lat_bucket[$__rate_interval])))`: false,
		`autoscale_operator_resource`:                                                       true,
		`autoscale_operator_resources{phase="x"}`:                                           true,
		`autoscale_operator_resources{kind="LaunchConfiguration"}`:                          true,
		`sum by (namespace) (autoscale_operator_resources)`:                                 true,
		`rate(lat_sum[5m]) / rate(lat_count[5m])`:                                           false,
		`sum(rate(autoscale_operator_resources[5m]`:                                         true,
	} {
		got := check(query{"test", expr}, fams)
		if (len(got) > 0) != wantProblem {
			t.Errorf("check(%s) = %v, want a problem: %v", expr, got, wantProblem)
		}
	}
}
