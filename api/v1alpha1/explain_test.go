package v1alpha1_test

import (
	"context"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// kinds lists the API's kinds with their spec types, resource names, short names and category.
var kinds = []struct {
	kind, resource, shortName string
	spec                      reflect.Type
}{
	{"LaunchConfiguration", "launchconfigurations", "lc", reflect.TypeFor[ec2v1alpha1.LaunchConfigurationSpec]()},
	{"AutoScalingGroup", "autoscalinggroups", "asg", reflect.TypeFor[ec2v1alpha1.AutoScalingGroupSpec]()},
	{"Trigger", "triggers", "trg", reflect.TypeFor[ec2v1alpha1.TriggerSpec]()},
}

const category = "autoscale"

// TestExplainDocumentsEverySpecField runs `kubectl explain <kind>.spec --recursive` and `kubectl
// explain` on the spec and each nested object, and checks every field of the Go spec types appears
// there with a description: the doc comments are the users' reference.
func TestExplainDocumentsEverySpecField(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			resource := strings.ToLower(k.kind)

			// The API server publishes a new CRD's OpenAPI schema shortly after the CRD is established.
			var recursive string
			deadline := time.Now().Add(30 * time.Second)
			for {
				out, err := kubectl(t, "explain", resource+".spec", "--recursive")
				if err == nil {
					recursive = out
					break
				}
				if time.Now().After(deadline) {
					t.Fatal(err)
				}
				time.Sleep(250 * time.Millisecond)
			}
			listed := explainFieldNames(recursive)

			for path, typ := range specObjects("spec", k.spec) {
				out, err := kubectl(t, "explain", resource+"."+path)
				if err != nil {
					t.Fatal(err)
				}
				described := explainFields(out)
				for _, field := range jsonFields(typ) {
					if !listed[field] {
						t.Errorf("kubectl explain %s.spec --recursive does not list %s.%s", resource, path, field)
					}
					desc, ok := described[field]
					switch {
					case !ok:
						t.Errorf("kubectl explain %s.%s does not list %s", resource, path, field)
					case strings.TrimSpace(desc) == "":
						t.Errorf("kubectl explain %s.%s: %s has no description", resource, path, field)
					}
				}
			}
		})
	}
}

// TestDiscovery checks the short names and the autoscale category through discovery, as kubectl
// resolves them, and the printer columns.
func TestDiscovery(t *testing.T) {
	dc, err := discovery.NewDiscoveryClientForConfig(restConfig)
	if err != nil {
		t.Fatal(err)
	}
	resources, err := dc.ServerResourcesForGroupVersion(ec2v1alpha1.GroupVersion.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		i := slices.IndexFunc(resources.APIResources, func(r metav1.APIResource) bool { return r.Name == k.resource })
		if i < 0 {
			t.Errorf("discovery does not list %s", k.resource)
			continue
		}
		r := resources.APIResources[i]
		if r.Kind != k.kind || !r.Namespaced {
			t.Errorf("%s: kind %s, namespaced %t; want %s, namespaced", k.resource, r.Kind, r.Namespaced, k.kind)
		}
		if !slices.Contains(r.ShortNames, k.shortName) {
			t.Errorf("%s: short names %v, want %s", k.resource, r.ShortNames, k.shortName)
		}
		if !slices.Contains(r.Categories, category) {
			t.Errorf("%s: categories %v, want %s", k.resource, r.Categories, category)
		}
		if !slices.ContainsFunc(resources.APIResources, func(r metav1.APIResource) bool { return r.Name == k.resource+"/status" }) {
			t.Errorf("%s has no status subresource", k.resource)
		}
	}

	// One object of each kind, then what kubectl shows of them.
	ns := newNamespace(t)
	for _, k := range kinds {
		obj := newObject(k.kind, "web")
		obj.SetNamespace(ns)
		obj.Object["spec"] = validSpec(k.kind)
		if err := k8sClient.Create(context.Background(), obj); err != nil {
			t.Fatalf("creating %s: %v", k.kind, err)
		}
	}
	want := []string{
		"autoscalinggroup.ec2.autoscale-operator.io/web",
		"launchconfiguration.ec2.autoscale-operator.io/web",
		"trigger.ec2.autoscale-operator.io/web",
	}
	for _, args := range [][]string{{"get", category}, {"get", "asg,lc,trg"}} {
		out, err := kubectl(t, append(args, "--namespace", ns, "--output", "name")...)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Fields(out)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("kubectl %s lists %v, want %v", strings.Join(args, " "), got, want)
		}
	}

	columns := map[string][]string{
		"lc":  {"NAME", "IMAGE", "TYPE", "AWS-NAME", "READY", "AGE"},
		"asg": {"NAME", "MIN", "MAX", "DESIRED", "INSERVICE", "READY", "AGE"},
		"trg": {"NAME", "GROUP", "METRIC", "LOWER", "UPPER", "STATE", "READY", "AGE"},
	}
	for short, want := range columns {
		out, err := kubectl(t, "get", short, "--namespace", ns)
		if err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(out, "\n")
		if got := strings.Fields(header); !slices.Equal(got, want) {
			t.Errorf("kubectl get %s shows columns %v, want %v", short, got, want)
		}
	}
}

// specObjects returns the spec type and every object type nested in it, by their path for kubectl
// explain (spec, spec.metadataOptions, spec.blockDeviceMappings.ebs, ...).
func specObjects(path string, typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{path: typ}
	for _, f := range structFields(typ) {
		if t := objectType(f.Type); t != nil {
			for p, nt := range specObjects(path+"."+jsonName(f), t) {
				out[p] = nt
			}
		}
	}
	return out
}

// jsonFields returns the JSON names of a struct's fields, with inline structs flattened.
func jsonFields(typ reflect.Type) []string {
	var names []string
	for _, f := range structFields(typ) {
		names = append(names, jsonName(f))
	}
	return names
}

// structFields returns a struct's serialised fields, flattening embedded ",inline" structs the way
// encoding/json and the CRD schema do.
func structFields(typ reflect.Type) []reflect.StructField {
	var fields []reflect.StructField
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && strings.Contains(tag, ",inline") {
			fields = append(fields, structFields(f.Type)...)
			continue
		}
		fields = append(fields, f)
	}
	return fields
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// objectType returns the struct type of this API package behind a field (through pointers and
// slices), or nil when the field is not an object of ours.
func objectType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && t.PkgPath() == reflect.TypeFor[ec2v1alpha1.AutoScalingGroupSpec]().PkgPath() {
		return t
	}
	return nil
}

// explainFieldLine matches a field line of `kubectl explain`: the name, a tab and the type, at
// two spaces per level ("  name\t<string> -required-"). Lines such as "  enum: A, B" are not fields.
var explainFieldLine = regexp.MustCompile(`^( +)(\S+)\t<`)

// explainFields parses the FIELDS section of `kubectl explain`: each field line is followed by its
// description, indented further.
func explainFields(out string) map[string]string {
	fields := map[string]string{}
	_, section, found := strings.Cut(out, "\nFIELDS:\n")
	if !found {
		return fields
	}
	var current string
	for _, line := range strings.Split(section, "\n") {
		if m := explainFieldLine.FindStringSubmatch(line); m != nil && len(m[1]) == 2 {
			current = m[2]
			fields[current] = ""
		} else if current != "" && strings.HasPrefix(line, "    ") {
			fields[current] += strings.TrimSpace(line) + " "
		}
	}
	return fields
}

// explainFieldNames returns every field name in `kubectl explain --recursive` output, at any depth.
func explainFieldNames(out string) map[string]bool {
	names := map[string]bool{}
	_, section, found := strings.Cut(out, "\nFIELDS:\n")
	if !found {
		return names
	}
	for _, line := range strings.Split(section, "\n") {
		if m := explainFieldLine.FindStringSubmatch(line); m != nil {
			names[m[2]] = true
		}
	}
	return names
}
