package security

import (
	"context"
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// TestDeployManifestsApplyServerSide builds config/default with kustomize, as `make deploy` does,
// and applies every object to a real API server with a server-side dry run: the Deployment,
// RBAC, Service and CRDs all pass the API server's own validation, not just our reading of them.
func TestDeployManifestsApplyServerSide(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test` (or `make envtest` and point it at bin/k8s/<version>)")
	}
	objs := kustomizeBuild(t, "config/default")
	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	scheme := runtime.NewScheme()
	must(t, clientgoscheme.AddToScheme(scheme))
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.GetKind()]++
		// A dry-run Namespace is not created, and the namespaced objects need it: create it for real.
		if o.GetKind() == "Namespace" {
			must(t, c.Create(ctx, o.DeepCopy()))
		}
	}
	for _, o := range objs {
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("deploy-test"), client.ForceOwnership, client.DryRunAll); err != nil {
			t.Errorf("server-side dry run of %s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	for _, kind := range []string{"Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service"} {
		if kinds[kind] == 0 {
			t.Errorf("kustomize build config/default has no %s", kind)
		}
	}
	if kinds["CustomResourceDefinition"] != 3 {
		t.Errorf("config/default has %d CRDs, want the 3 kinds", kinds["CustomResourceDefinition"])
	}
	t.Logf("dry-run applied %d objects: %v", len(objs), kinds)
}
