// Package docs_test keeps the per-kind reference pages in step with the code: every spec and status
// field, every condition reason and every Event reason the controllers emit must be documented.
package docs_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

var pages = map[string]any{
	"launchconfiguration.md": ec2v1alpha1.LaunchConfiguration{},
	"autoscalinggroup.md":    ec2v1alpha1.AutoScalingGroup{},
	"trigger.md":             ec2v1alpha1.Trigger{},
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonFields returns the JSON names of typ's fields, descending into inline (embedded) structs.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if strings.Contains(tag, ",inline") || (f.Anonymous && name == "") {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func TestEverySpecAndStatusFieldIsDocumented(t *testing.T) {
	for page, obj := range pages {
		doc := read(t, page)
		typ := reflect.TypeOf(obj)
		for _, part := range []string{"Spec", "Status"} {
			f, _ := typ.FieldByName(part)
			for _, name := range jsonFields(f.Type) {
				if !strings.Contains(doc, "`"+name+"`") {
					t.Errorf("docs/%s does not document %s field `%s`", page, strings.ToLower(part), name)
				}
			}
		}
	}
}

func TestEveryConditionReasonIsDocumented(t *testing.T) {
	src := read(t, filepath.Join("..", "api", "v1alpha1", "common_types.go"))
	all := ""
	for page := range pages {
		all += read(t, page)
	}
	reasons := regexp.MustCompile(`(?m)^\s*Reason\w+\s*=\s*"(\w+)"`).FindAllStringSubmatch(src, -1)
	if len(reasons) == 0 {
		t.Fatal("found no Reason constants in api/v1alpha1/common_types.go")
	}
	for _, m := range reasons {
		if !strings.Contains(all, "`"+m[1]+"`") {
			t.Errorf("condition reason %s is not documented in any page of docs/", m[1])
		}
	}
}

func TestEveryEventReasonIsDocumented(t *testing.T) {
	files := map[string]string{
		"launchconfiguration_controller.go": "launchconfiguration.md",
		"autoscalinggroup_controller.go":    "autoscalinggroup.md",
		"trigger_controller.go":             "trigger.md",
	}
	// r.event(obj, corev1.EventTypeNormal, "Reason", ...), r.event(obj, eventType, "Reason", ...),
	// r.eventAbout(obj, related, eventType, "Reason", ...)
	eventCall := regexp.MustCompile(`\.event(?:About)?\([^"]*?(?:EventType\w+|eventType), (?:"(\w+)"|(verb))`)
	for src, page := range files {
		code := read(t, filepath.Join("..", "controllers", src))
		doc := read(t, page)
		found := 0
		for _, m := range eventCall.FindAllStringSubmatch(code, -1) {
			found++
			if m[1] == "" {
				continue // a variable reason (Created/Updated), covered by the page's table
			}
			if !strings.Contains(doc, "`"+m[1]+"`") {
				t.Errorf("controllers/%s emits Event reason %s, not documented in docs/%s", src, m[1], page)
			}
		}
		if found == 0 {
			t.Errorf("found no Event calls in controllers/%s: has the event helper been renamed?", src)
		}
	}
}
