package v1alpha1_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// TestSamples applies the two steps of boto's Autoscale tutorial from config/samples, as a user
// would with `kubectl apply -k`, and checks the API server accepts and defaults them.
func TestSamples(t *testing.T) {
	ns := newNamespace(t)

	// Step 1: the launch configuration and a group of four instances.
	step1 := buildSamples(t, "group")
	if got, want := objectKeys(step1), []string{"AutoScalingGroup/my-group", "LaunchConfiguration/my-launch-config"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("config/samples/group builds %v, want %v", got, want)
	}
	applyAll(t, ns, step1)

	lc := get(t, ns, "LaunchConfiguration", "my-launch-config")
	expectFields(t, lc, map[string]any{
		"spec.imageId":                    "my-ami",
		"spec.keyName":                    "my_key_name",
		"spec.securityGroups":             []any{"my_security_groups"},
		"spec.instanceType":               "t3.micro", // default
		"spec.metadataOptions.httpTokens": "required", // default
		"spec.deletionPolicy":             "Delete",   // default
	})
	group := get(t, ns, "AutoScalingGroup", "my-group")
	expectFields(t, group, map[string]any{
		"spec.launchConfigurationRef.name": "my-launch-config",
		"spec.availabilityZones":           []any{"us-east-1a", "us-east-1b"},
		"spec.loadBalancerNames":           []any{"my-lb"},
		"spec.minSize":                     int64(4),
		"spec.maxSize":                     int64(4),
		"spec.activityHistoryLimit":        int64(10), // default
		"spec.healthCheckType":             "EC2",     // default
		"spec.deletionPolicy":              "Delete",  // default
	})

	// Step 2: the same group with maxSize 8, and the trigger.
	step2 := buildSamples(t, "trigger")
	if got, want := objectKeys(step2), []string{"AutoScalingGroup/my-group", "LaunchConfiguration/my-launch-config", "Trigger/my-trigger"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("config/samples/trigger builds %v, want %v", got, want)
	}
	applyAll(t, ns, step2)

	group = get(t, ns, "AutoScalingGroup", "my-group")
	expectFields(t, group, map[string]any{"spec.minSize": int64(4), "spec.maxSize": int64(8)})
	if group.GetGeneration() != 2 {
		t.Errorf("my-group generation = %d after step 2, want 2 (one spec change)", group.GetGeneration())
	}
	if lc := get(t, ns, "LaunchConfiguration", "my-launch-config"); lc.GetGeneration() != 1 {
		t.Errorf("my-launch-config generation = %d after step 2, want 1 (unchanged)", lc.GetGeneration())
	}
	trigger := get(t, ns, "Trigger", "my-trigger")
	expectFields(t, trigger, map[string]any{
		"spec.autoScalingGroupRef.name":  "my-group",
		"spec.metricName":                "CPUUtilization",
		"spec.namespace":                 "AWS/EC2",
		"spec.statistic":                 "Average",
		"spec.unit":                      "Percent",
		"spec.dimensions":                []any{map[string]any{"name": "AutoScalingGroupName", "value": "my-group"}},
		"spec.period":                    int64(60),
		"spec.breachDuration":            int64(360),
		"spec.lowerThreshold":            int64(40),
		"spec.lowerBreachScaleIncrement": "-5",
		"spec.upperThreshold":            int64(80),
		"spec.upperBreachScaleIncrement": "10",
		"spec.deletionPolicy":            "Delete", // default
	})

	// config/samples itself is the tutorial's end state: step 2.
	if got, want := objectKeys(buildSamples(t, ".")), objectKeys(step2); !reflect.DeepEqual(got, want) {
		t.Errorf("config/samples builds %v, want the objects of step 2 %v", got, want)
	}
}

// TestSamplesReaderMatchesKustomize checks that the test's own reading of the kustomizations (used
// when bin/kustomize-* is missing, as on a fresh clone) gives what kustomize gives.
func TestSamplesReaderMatchesKustomize(t *testing.T) {
	bin := kustomizeBinary()
	if bin == "" {
		t.Skip("no bin/kustomize-*: run `make kustomize` to compare with kustomize")
	}
	for _, dir := range []string{".", "group", "trigger"} {
		built, err := kustomizeBuild(bin, dir)
		if err != nil {
			t.Fatal(err)
		}
		read, err := readKustomization(filepath.Join(repoRoot, "config", "samples", dir))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := byKey(read), byKey(built); !reflect.DeepEqual(got, want) {
			t.Errorf("config/samples/%s: reading the kustomization gives\n%v\nkustomize build gives\n%v", dir, got, want)
		}
	}
}

// buildSamples builds config/samples/<dir> with bin/kustomize-* when it was installed (`make
// kustomize`), and otherwise by reading the kustomization's resources and patches directly.
func buildSamples(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	var err error
	if bin := kustomizeBinary(); bin != "" {
		objs, err = kustomizeBuild(bin, dir)
	} else {
		objs, err = readKustomization(filepath.Join(repoRoot, "config", "samples", dir))
	}
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// kustomizeBinary returns the newest bin/kustomize-<version>, or "" when none is installed.
func kustomizeBinary() string {
	matches, _ := filepath.Glob(filepath.Join(repoRoot, "bin", "kustomize-*"))
	if len(matches) == 0 {
		return ""
	}
	sort.Strings(matches)
	return matches[len(matches)-1]
}

func kustomizeBuild(bin, dir string) ([]*unstructured.Unstructured, error) {
	path := filepath.Join(repoRoot, "config", "samples", dir)
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "build", path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s build %s: %w: %s", bin, path, err, stderr.String())
	}
	return decodeObjects(out)
}

// kustomization is the part of kustomization.yaml the samples use.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Patches    []struct {
		Path string `json:"path"`
	} `json:"patches"`
}

// readKustomization reads a kustomization the simple way: its resources (files, or directories
// holding a kustomization), then its patches applied as JSON merge patches to the object of the
// same kind and name. That is all the samples need.
func readKustomization(dir string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		return nil, fmt.Errorf("%s/kustomization.yaml: %w", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range k.Resources {
		path := filepath.Join(dir, r)
		info, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		var more []*unstructured.Unstructured
		if info.IsDir() {
			more, err = readKustomization(path)
		} else {
			more, err = readObjects(path)
		}
		if err != nil {
			return nil, err
		}
		objs = append(objs, more...)
	}
	for _, p := range k.Patches {
		patches, err := readObjects(filepath.Join(dir, p.Path))
		if err != nil {
			return nil, err
		}
		for _, patch := range patches {
			target := find(objs, patch.GetKind(), patch.GetName())
			if target == nil {
				return nil, fmt.Errorf("%s: patch %s/%s matches no resource", dir, patch.GetKind(), patch.GetName())
			}
			target.Object = mergePatch(target.Object, patch.Object)
		}
	}
	return objs, nil
}

func readObjects(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := decodeObjects(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return objs, nil
}

// decodeObjects decodes a multi-document YAML stream.
func decodeObjects(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if obj != nil {
			objs = append(objs, &unstructured.Unstructured{Object: obj})
		}
	}
}

// mergePatch applies an RFC 7386 JSON merge patch.
func mergePatch(target, patch map[string]any) map[string]any {
	if target == nil {
		target = map[string]any{}
	}
	for k, v := range patch {
		switch v := v.(type) {
		case nil:
			delete(target, k)
		case map[string]any:
			sub, _ := target[k].(map[string]any)
			target[k] = mergePatch(sub, v)
		default:
			target[k] = v
		}
	}
	return target
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func objectKeys(objs []*unstructured.Unstructured) []string {
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, o.GetKind()+"/"+o.GetName())
	}
	sort.Strings(keys)
	return keys
}

func byKey(objs []*unstructured.Unstructured) map[string]map[string]any {
	m := make(map[string]map[string]any, len(objs))
	for _, o := range objs {
		m[o.GetKind()+"/"+o.GetName()] = o.Object
	}
	return m
}

// applyAll server-side applies objects into a namespace, as `kubectl apply --server-side` does.
func applyAll(t *testing.T, ns string, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		o = o.DeepCopy()
		o.SetNamespace(ns)
		err := k8sClient.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(o),
			client.FieldOwner("samples-test"), client.ForceOwnership)
		if err != nil {
			t.Fatalf("applying sample %s/%s: %v", o.GetKind(), o.GetName(), err)
		}
	}
}

// get reads an object of this API with the direct client.
func get(t *testing.T, ns, kind, name string) *unstructured.Unstructured {
	t.Helper()
	u := newObject(kind, name)
	if err := k8sClient.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		t.Fatalf("getting %s %s/%s: %v", kind, ns, name, err)
	}
	return u
}

// expectFields compares fields, given as dotted paths, of an object with wanted values.
func expectFields(t *testing.T, u *unstructured.Unstructured, want map[string]any) {
	t.Helper()
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		got, found := lookup(u.Object, p)
		if !found {
			t.Errorf("%s %s: %s is missing, want %#v", u.GetKind(), u.GetName(), p, want[p])
			continue
		}
		if !reflect.DeepEqual(got, want[p]) {
			t.Errorf("%s %s: %s = %#v, want %#v", u.GetKind(), u.GetName(), p, got, want[p])
		}
	}
}
