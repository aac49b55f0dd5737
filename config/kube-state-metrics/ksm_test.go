// Package ksm_test checks custom-resource-state.yaml against the CRDs: every path kube-state-metrics
// would follow must exist in the kind's schema and end where the metric type needs it to (a number
// for a gauge, a string for a state set or an info label), and every state set must list exactly
// the values the field can take.
package ksm_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// config mirrors the parts of kube-state-metrics' CustomResourceStateMetrics that name paths.
type config struct {
	Kind string `json:"kind"`
	Spec struct {
		Resources []struct {
			GroupVersionKind struct {
				Group, Version, Kind string
			} `json:"groupVersionKind"`
			MetricNamePrefix string              `json:"metricNamePrefix"`
			LabelsFromPath   map[string][]string `json:"labelsFromPath"`
			Metrics          []struct {
				Name string `json:"name"`
				Help string `json:"help"`
				Each struct {
					Type     string     `json:"type"`
					Gauge    *generator `json:"gauge"`
					StateSet *generator `json:"stateSet"`
					Info     *generator `json:"info"`
				} `json:"each"`
			} `json:"metrics"`
		} `json:"resources"`
	} `json:"spec"`
}

type generator struct {
	Path           []string            `json:"path"`
	ValueFrom      []string            `json:"valueFrom"`
	LabelsFromPath map[string][]string `json:"labelsFromPath"`
	LabelFromKey   string              `json:"labelFromKey"`
	NilIsZero      bool                `json:"nilIsZero"`
	LabelName      string              `json:"labelName"`
	List           []string            `json:"list"`
}

// knownValues are the values of string fields the CRD does not enumerate, from the API package.
var knownValues = map[string][]string{
	"Trigger status.state": {ec2v1alpha1.TriggerStateScalingUp, ec2v1alpha1.TriggerStateScalingDown,
		ec2v1alpha1.TriggerStateIdle, ec2v1alpha1.TriggerStateInsufficientData},
	// CloudWatch's alarm states (AWS's StateValue).
	"Trigger status.upperAlarm.state": {"OK", "ALARM", "INSUFFICIENT_DATA"},
	"Trigger status.lowerAlarm.state": {"OK", "ALARM", "INSUFFICIENT_DATA"},
}

// metadataFields are the object metadata paths a CRD schema does not spell out.
var metadataFields = []string{"name", "namespace", "uid", "generation", "creationTimestamp", "labels", "annotations"}

func loadCRDs(t *testing.T) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	crds := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(b, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		crds[crd.Spec.Group+"/"+crd.Spec.Names.Kind] = crd
	}
	return crds
}

// walk follows path from s; it returns the schema at its end, or an error naming the first step
// that does not exist.
func walk(s *apiextensionsv1.JSONSchemaProps, path []string) (*apiextensionsv1.JSONSchemaProps, error) {
	if len(path) >= 1 && path[0] == "metadata" && s.Properties["metadata"].Type == "object" && len(s.Properties["metadata"].Properties) == 0 {
		if len(path) == 2 && slices.Contains(metadataFields, path[1]) {
			return &apiextensionsv1.JSONSchemaProps{Type: "string"}, nil
		}
		return nil, fmt.Errorf("metadata path %v is not one of metadata.%v", path, metadataFields)
	}
	for i, step := range path {
		p, ok := s.Properties[step]
		if !ok {
			return nil, fmt.Errorf("%v: no field %q", path[:i+1], step)
		}
		s = &p
	}
	return s, nil
}

// element is the schema kube-state-metrics evaluates valueFrom and labelsFromPath against: each
// item of a list, each value of a map, else the object itself.
func element(s *apiextensionsv1.JSONSchemaProps) *apiextensionsv1.JSONSchemaProps {
	switch {
	case s.Type == "array" && s.Items != nil && s.Items.Schema != nil:
		return s.Items.Schema
	case s.Type == "object" && s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil:
		return s.AdditionalProperties.Schema
	}
	return s
}

func isNumber(s *apiextensionsv1.JSONSchemaProps) bool {
	return s.Type == "integer" || s.Type == "number" || s.Type == "boolean"
}

func TestPathsMatchTheCRDs(t *testing.T) {
	b, err := os.ReadFile("custom-resource-state.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg config
	if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
		t.Fatalf("custom-resource-state.yaml: %v", err)
	}
	if cfg.Kind != "CustomResourceStateMetrics" {
		t.Fatalf("kind is %q, want CustomResourceStateMetrics", cfg.Kind)
	}
	crds := loadCRDs(t)
	covered := map[string]bool{}
	for _, r := range cfg.Spec.Resources {
		gvk := r.GroupVersionKind
		crd := crds[gvk.Group+"/"+gvk.Kind]
		if crd == nil {
			t.Errorf("%s/%s: no such CRD in config/crd/bases", gvk.Group, gvk.Kind)
			continue
		}
		covered[gvk.Kind] = true
		var root *apiextensionsv1.JSONSchemaProps
		for _, v := range crd.Spec.Versions {
			if v.Name == gvk.Version && v.Schema != nil {
				root = v.Schema.OpenAPIV3Schema
			}
		}
		if root == nil {
			t.Errorf("%s: the CRD has no version %s", gvk.Kind, gvk.Version)
			continue
		}
		for label, path := range r.LabelsFromPath {
			if _, err := walk(root, path); err != nil {
				t.Errorf("%s label %s: %v", gvk.Kind, label, err)
			}
		}
		for _, m := range r.Metrics {
			where := fmt.Sprintf("%s metric %s_%s", gvk.Kind, r.MetricNamePrefix, m.Name)
			if m.Help == "" {
				t.Errorf("%s: no help", where)
			}
			var g *generator
			switch m.Each.Type {
			case "Gauge":
				g = m.Each.Gauge
			case "StateSet":
				g = m.Each.StateSet
			case "Info":
				g = m.Each.Info
			default:
				t.Errorf("%s: unknown type %q", where, m.Each.Type)
				continue
			}
			if g == nil {
				t.Errorf("%s: type %s without its %s block", where, m.Each.Type, m.Each.Type)
				continue
			}
			base, err := walk(root, g.Path)
			if err != nil {
				t.Errorf("%s path: %v", where, err)
				continue
			}
			elem := element(base)
			for label, path := range g.LabelsFromPath {
				leaf, err := walk(elem, path)
				if err != nil {
					t.Errorf("%s label %s: %v (relative to %v)", where, label, err, g.Path)
				} else if leaf.Type != "string" && !isNumber(leaf) {
					t.Errorf("%s label %s: %v is a %s, not a scalar", where, label, path, leaf.Type)
				}
			}
			value, err := walk(elem, g.ValueFrom)
			if err != nil {
				t.Errorf("%s valueFrom: %v (relative to %v)", where, err, g.Path)
				continue
			}
			switch m.Each.Type {
			case "Gauge":
				if !isNumber(value) {
					t.Errorf("%s: the value at %v %v is a %s, not a number", where, g.Path, g.ValueFrom, value.Type)
				}
				if g.LabelFromKey != "" && (base.AdditionalProperties == nil || base.Type != "object") {
					t.Errorf("%s: labelFromKey on %v, which is not a map", where, g.Path)
				}
			case "StateSet":
				if value.Type != "string" {
					t.Errorf("%s: the state at %v %v is a %s, not a string", where, g.Path, g.ValueFrom, value.Type)
				}
				want := knownValues[fmt.Sprintf("%s %s", gvk.Kind, dotted(append(slices.Clone(g.Path), g.ValueFrom...)))]
				for _, e := range value.Enum {
					var s string
					if err := yaml.Unmarshal(e.Raw, &s); err == nil {
						want = append(want, s)
					}
				}
				if len(want) == 0 {
					t.Errorf("%s: the CRD does not enumerate the values of %v %v; add them to knownValues", where, g.Path, g.ValueFrom)
				} else if !sameSet(g.List, want) {
					t.Errorf("%s: list %v, but the field takes %v", where, g.List, want)
				}
			}
		}
	}
	for _, kind := range []string{"LaunchConfiguration", "AutoScalingGroup", "Trigger"} {
		if !covered[kind] {
			t.Errorf("custom-resource-state.yaml has no metrics for %s", kind)
		}
	}
}

func dotted(path []string) string {
	out := ""
	for i, p := range path {
		if i > 0 {
			out += "."
		}
		out += p
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestWalkRejectsWhatIsNotThere keeps the checker honest: a misspelt path must fail.
func TestWalkRejectsWhatIsNotThere(t *testing.T) {
	crd := loadCRDs(t)["ec2.autoscale-operator.io/AutoScalingGroup"]
	root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	for _, bad := range [][]string{{"status", "inServiceCounts"}, {"spec", "desired"}, {"metadata", "nam"}} {
		if _, err := walk(root, bad); err == nil {
			t.Errorf("walk(%v) found a field that does not exist", bad)
		}
	}
	if s, err := walk(root, []string{"status", "instanceCounts"}); err != nil || !isNumber(element(s)) {
		t.Errorf("walk(status.instanceCounts) = %v, %v; want a map of numbers", s, err)
	}
}
