// Package prometheus_test checks the alert rules in rules.yaml with the pinned promtool: the
// rules must load (promtool check rules) and behave as rules.test.yaml says on synthetic series
// (promtool test rules), with a quiet and a firing case for every alert.
package prometheus_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"sigs.k8s.io/yaml"
)

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert string `json:"alert"`
		} `json:"rules"`
	} `json:"groups"`
}

type ruleTests struct {
	Tests []struct {
		AlertRuleTest []struct {
			AlertName string           `json:"alertname"`
			ExpAlerts []map[string]any `json:"exp_alerts"`
		} `json:"alert_rule_test"`
	} `json:"tests"`
}

// promtool is bin/promtool-<PROMETHEUS_VERSION>, the version pinned in the Makefile.
func promtool(t *testing.T) string {
	t.Helper()
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^PROMETHEUS_VERSION \?= (\S+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no PROMETHEUS_VERSION in the Makefile")
	}
	bin, err := filepath.Abs(filepath.Join("..", "..", "bin", "promtool-"+string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: `make promtool` builds it (`make test` does so first)", bin)
	}
	return bin
}

// plainRules writes the PrometheusRule's spec, which is a Prometheus rule file, to dir/rules.yaml,
// and copies the unit tests beside it.
func plainRules(t *testing.T, dir string) ruleFile {
	t.Helper()
	b, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Kind string   `json:"kind"`
		Spec ruleFile `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &pr); err != nil {
		t.Fatal(err)
	}
	if pr.Kind != "PrometheusRule" {
		t.Fatalf("rules.yaml is a %q, want a PrometheusRule", pr.Kind)
	}
	var raw struct {
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(raw.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile("rules.test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.test.yaml"), tests, 0o644); err != nil {
		t.Fatal(err)
	}
	return pr.Spec
}

func TestRulesWithPromtool(t *testing.T) {
	bin := promtool(t)
	dir := t.TempDir()
	rules := plainRules(t, dir)
	for _, args := range [][]string{{"check", "rules", "rules.yaml"}, {"test", "rules", "rules.test.yaml"}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		} else {
			t.Logf("promtool %v:\n%s", args, out)
		}
	}

	var tests ruleTests
	b, err := os.ReadFile("rules.test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &tests); err != nil {
		t.Fatal(err)
	}
	quiet, firing := map[string]int{}, map[string]int{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) == 0 {
				quiet[a.AlertName]++
			} else {
				firing[a.AlertName]++
			}
		}
	}
	alerts := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts++
			if quiet[r.Alert] == 0 || firing[r.Alert] == 0 {
				t.Errorf("alert %s has %d quiet and %d firing cases in rules.test.yaml; it needs at least one of each", r.Alert, quiet[r.Alert], firing[r.Alert])
			}
		}
	}
	if alerts == 0 {
		t.Fatal("rules.yaml has no alerts")
	}
}
