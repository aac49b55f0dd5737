package ecosystem

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// releaseNamespace is where config/default installs the operator.
const releaseNamespace = "autoscale-operator-system"

func chartDir() string { return filepath.Join(root, "dist", "chart") }

// nonDefaultValues changes every value the chart offers.
func nonDefaultValues() map[string]any {
	return map[string]any{
		"image":          map[string]any{"repository": "registry.example.com/autoscale-operator", "tag": "v1.2.3", "pullPolicy": "Always"},
		"replicas":       2,
		"leaderElection": true,
		"awsRegion":      "eu-west-1",
		"clusterId":      "prod-eu-1",
		"extraArgs":      []any{"--sync-period=2m", "--max-concurrent-reconciles=8"},
		"serviceAccount": map[string]any{"annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/autoscale-operator"}},
		"resources":      map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}, "limits": map[string]any{"memory": "512Mi"}},
		"nodeSelector":   map[string]any{"kubernetes.io/os": "linux"},
		"tolerations":    []any{map[string]any{"key": "dedicated", "operator": "Equal", "value": "operators", "effect": "NoSchedule"}},
		"namespace":      map[string]any{"create": true},
		"crds":           map[string]any{"install": false},
		"metrics": map[string]any{
			"serviceMonitor": map[string]any{"enabled": true},
			"prometheusRule": map[string]any{"enabled": true},
		},
	}
}

// render is `helm template` of the chart with vals, in namespace ns.
func render(t *testing.T, vals map[string]any, ns string) []*unstructured.Unstructured {
	t.Helper()
	chrt, err := loader.Load(chartDir())
	if err != nil {
		t.Fatal(err)
	}
	values, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{Name: "autoscale-operator", Namespace: ns, Revision: 1, IsInstall: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(chrt, values)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		if strings.HasSuffix(name, ".yaml") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var objs []*unstructured.Unstructured
	for _, name := range names {
		objs = append(objs, decode(t, name, []byte(files[name]))...)
	}
	return objs
}

func decode(t *testing.T, what string, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		m := map[string]any{}
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("%s: %v", what, err)
		}
		if len(m) > 0 {
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
}

// makefileVar reads a `NAME ?= value` line of the Makefile.
func makefileVar(t *testing.T, name string) string {
	t.Helper()
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + ` \?= (\S+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatalf("no %s in the Makefile", name)
	}
	return string(m[1])
}

func kustomizeBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(root, "bin", "kustomize-"+makefileVar(t, "KUSTOMIZE_VERSION"))
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: `make kustomize` installs it (`make test` does so first)", bin)
	}
	return bin
}

// kustomizeBuild builds config/default, with config/prometheus added when monitoring is set (as
// uncommenting ../prometheus in config/default/kustomization.yaml does). Kustomize takes no
// absolute paths, so that overlay is config/default's kustomization.yaml, uncommented, in a
// temporary directory, with its paths made relative to it.
func kustomizeBuild(t *testing.T, monitoring bool) []*unstructured.Unstructured {
	t.Helper()
	dir := filepath.Join(root, "config", "default")
	args := []string{"build", dir}
	if monitoring {
		b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		uncommented := strings.Replace(string(b), "#- ../prometheus", "- ../prometheus", 1)
		if uncommented == string(b) {
			t.Fatal("config/default/kustomization.yaml no longer has the `#- ../prometheus` line this test uncomments")
		}
		k := map[string]any{}
		if err := yaml.Unmarshal([]byte(uncommented), &k); err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		var resources []any
		for _, r := range k["resources"].([]any) {
			rel, err := filepath.Rel(tmp, filepath.Join(dir, r.(string)))
			if err != nil {
				t.Fatal(err)
			}
			resources = append(resources, rel)
		}
		k["resources"] = resources
		overlay, err := yaml.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "kustomization.yaml"), overlay, 0o644); err != nil {
			t.Fatal(err)
		}
		args = []string{"build", "--load-restrictor", "LoadRestrictionsNone", tmp}
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kustomizeBin(t), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize %v: %v\n%s", args, err, stderr.String())
	}
	return decode(t, "kustomize build", stdout.Bytes())
}

// helmOnly strips what only Helm adds: its labels and the CRDs' keep policy.
func helmOnly(o *unstructured.Unstructured) map[string]any {
	o = o.DeepCopy()
	labels := o.GetLabels()
	for _, l := range []string{"app.kubernetes.io/managed-by", "app.kubernetes.io/instance", "helm.sh/chart"} {
		delete(labels, l)
	}
	o.SetLabels(labels)
	ann := o.GetAnnotations()
	delete(ann, "helm.sh/resource-policy")
	o.SetAnnotations(ann)
	return o.Object
}

func byKey(objs []*unstructured.Unstructured) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, o := range objs {
		out[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = helmOnly(o)
	}
	return out
}

func find(objs []*unstructured.Unstructured, kind string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind {
			return o
		}
	}
	return nil
}

func TestHelmLint(t *testing.T) {
	for name, vals := range map[string]map[string]any{"default values": nil, "non-default values": nonDefaultValues()} {
		result := lint.AllWithKubeVersion(chartDir(), vals, releaseNamespace, nil)
		for _, m := range result.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("helm lint (%s): %s", name, m)
			} else {
				t.Logf("helm lint (%s): %s", name, m)
			}
		}
	}
}

// TestHelmChartMatchesConfigDefault renders the chart with config/default's settings and compares
// every object with kustomize's, with and without the monitoring objects: the two ways to install
// cannot drift apart.
func TestHelmChartMatchesConfigDefault(t *testing.T) {
	for _, monitoring := range []bool{false, true} {
		built := kustomizeBuild(t, monitoring)
		saAnnotations := map[string]any{}
		for k, v := range find(built, "ServiceAccount").GetAnnotations() {
			saAnnotations[k] = v
		}
		vals := map[string]any{
			// config/default makes the namespace and shows an IRSA annotation; the chart's
			// defaults do neither.
			"namespace":      map[string]any{"create": true},
			"serviceAccount": map[string]any{"annotations": saAnnotations},
			"metrics": map[string]any{
				"serviceMonitor": map[string]any{"enabled": monitoring},
				"prometheusRule": map[string]any{"enabled": monitoring},
			},
		}
		want, got := byKey(built), byKey(render(t, vals, releaseNamespace))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("monitoring=%v: the chart's objects differ from config/default's (-kustomize +helm):\n%s", monitoring, diff)
		}
		t.Logf("monitoring=%v: %d objects alike", monitoring, len(want))
	}
}

// TestHelmChartIsGenerated fails when dist/chart is not what hack/helmchart makes of config/.
func TestHelmChartIsGenerated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "chart")
	cmd := exec.Command("go", "run", "./hack/helmchart", "--kustomize", kustomizeBin(t), "--out", out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./hack/helmchart: %v\n%s", err, b)
	}
	want, got := readTree(t, out), readTree(t, chartDir())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dist/chart is stale: run `make manifests` and commit the result (-generated +committed):\n%s", diff)
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestHelmTemplateAppliesServerSide applies what the chart renders, with default and non-default
// values, to the API server as a server-side dry run, so the API server's own validation judges
// it, and checks that the non-default values land where they should.
func TestHelmTemplateAppliesServerSide(t *testing.T) {
	g := NewWithT(t)
	ctx := testContext(t, 2*time.Minute)
	g.Expect(env.EnsureNamespace(ctx, releaseNamespace)).To(Succeed())
	installMonitoringCRDs(t)

	for name, vals := range map[string]map[string]any{"default values": nil, "non-default values": nonDefaultValues()} {
		objs := render(t, vals, releaseNamespace)
		kinds := map[string]int{}
		for _, o := range objs {
			kinds[o.GetKind()]++
			err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("helm-test"), client.ForceOwnership, client.DryRunAll)
			g.Expect(err).NotTo(HaveOccurred(), "%s: server-side dry run of %s %s", name, o.GetKind(), o.GetName())
		}
		t.Logf("%s: dry-run applied %v", name, kinds)
	}

	objs := render(t, nonDefaultValues(), releaseNamespace)
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.GetKind()]++
	}
	g.Expect(kinds).NotTo(HaveKey("CustomResourceDefinition"), "crds.install=false")
	g.Expect(kinds).To(HaveKeyWithValue("Namespace", 1))
	g.Expect(kinds).To(HaveKeyWithValue("ServiceMonitor", 1))
	g.Expect(kinds).To(HaveKeyWithValue("PrometheusRule", 1))
	dep := find(objs, "Deployment")
	g.Expect(dep).NotTo(BeNil())
	replicas, _, _ := unstructured.NestedFieldNoCopy(dep.Object, "spec", "replicas")
	g.Expect(replicas).To(BeEquivalentTo(2))
	c, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	manager := c[0].(map[string]any)
	g.Expect(manager["image"]).To(Equal("registry.example.com/autoscale-operator:v1.2.3"))
	g.Expect(manager["imagePullPolicy"]).To(Equal("Always"))
	g.Expect(manager["args"]).To(ContainElements("--leader-elect", "--aws-region=eu-west-1", "--cluster-id=prod-eu-1", "--sync-period=2m", "--max-concurrent-reconciles=8"))
	// Helm merges maps of values: the default CPU limit stays unless set to null.
	g.Expect(manager["resources"]).To(HaveKeyWithValue("limits", HaveKeyWithValue("memory", "512Mi")))
	nodeSelector, _, _ := unstructured.NestedStringMap(dep.Object, "spec", "template", "spec", "nodeSelector")
	g.Expect(nodeSelector).To(HaveKeyWithValue("kubernetes.io/os", "linux"))
	g.Expect(find(objs, "ServiceAccount").GetAnnotations()).To(HaveKeyWithValue("eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/autoscale-operator"))
	// The alert annotations keep Prometheus's templates through Helm's.
	rule := find(objs, "PrometheusRule")
	b, err := yaml.Marshal(rule.Object)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(b)).To(ContainSubstring("{{ $labels.kind }}"))

	defaults := render(t, nil, releaseNamespace)
	for _, kind := range []string{"Namespace", "ServiceMonitor", "PrometheusRule"} {
		g.Expect(find(defaults, kind)).To(BeNil(), "%s rendered with default values", kind)
	}
	g.Expect(find(defaults, "ServiceAccount").GetAnnotations()).To(BeEmpty())
	dep = find(defaults, "Deployment")
	c, _, _ = unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	g.Expect(c[0].(map[string]any)["args"]).To(Equal([]any{"--leader-elect", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"}))
	crd := find(defaults, "CustomResourceDefinition")
	g.Expect(crd.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
}

// installMonitoringCRDs stands in for the Prometheus Operator's CRDs (any content accepted), so
// the ServiceMonitor and PrometheusRule can be dry-run applied.
func installMonitoringCRDs(t *testing.T) {
	t.Helper()
	g := NewWithT(t)
	ctx := testContext(t, time.Minute)
	preserve := true
	scheme := runtime.NewScheme()
	g.Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule"} {
		plural := strings.ToLower(kind) + "s"
		crd := &apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: plural + ".monitoring.coreos.com"},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group: "monitoring.coreos.com",
				Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: kind, ListKind: kind + "List", Plural: plural, Singular: strings.ToLower(kind)},
				Scope: apiextensionsv1.NamespaceScoped,
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
					Name: "v1", Served: true, Storage: true,
					Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object", XPreserveUnknownFields: &preserve,
					}},
				}},
			},
		}
		if err := c.Create(ctx, crd); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		g.Eventually(func(g Gomega) {
			got := &apiextensionsv1.CustomResourceDefinition{}
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(crd), got)).To(Succeed())
			g.Expect(got.Status.Conditions).To(ContainElement(And(
				HaveField("Type", apiextensionsv1.Established), HaveField("Status", apiextensionsv1.ConditionTrue))))
			// The client's REST mapper learns the new kind.
			_, err := env.Client.RESTMapper().RESTMapping(schema.GroupKind{Group: "monitoring.coreos.com", Kind: kind}, "v1")
			g.Expect(err).NotTo(HaveOccurred())
		}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
	}
}
