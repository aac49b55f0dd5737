package v1alpha1_test

// The tests of this package run the CRDs in config/crd/bases against a real kube-apiserver and
// etcd (envtest), built from source by hack/build-control-plane.sh. They check what users meet
// first: that the samples are accepted and defaulted, that bad input is rejected by admission with
// a message a person understands, and that kubectl explains every field.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

var (
	// k8sClient talks to the envtest API server directly (no cache).
	k8sClient client.Client
	// restConfig is the envtest API server's admin configuration.
	restConfig *rest.Config
	// kubeconfigPath is a kubeconfig file for kubectl pointing at the envtest API server.
	kubeconfigPath string
	// kubectlPath is the envtest kubectl (built with the API server by hack/build-control-plane.sh).
	kubectlPath string
)

// repoRoot is the repository root, relative to this package's directory (where go test runs).
const repoRoot = "../.."

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: these tests need kube-apiserver, etcd and kubectl. "+
			"Run `make test`, or `make envtest` and then "+
			"`KUBEBUILDER_ASSETS=$PWD/bin/k8s/<version>-<os>-<arch> go test ./api/...`.")
		return 1
	}
	kubectlPath = filepath.Join(assets, "kubectl")
	if _, err := os.Stat(kubectlPath); err != nil {
		fmt.Fprintf(os.Stderr, "no kubectl in KUBEBUILDER_ASSETS=%s (%v): run `make envtest`\n", assets, err)
		return 1
	}

	start := time.Now()
	testEnv := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(repoRoot, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := testEnv.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting envtest (KUBEBUILDER_ASSETS=%s): %v\n", assets, err)
		return 1
	}
	defer func() {
		if err := testEnv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping envtest: %v\n", err)
		}
	}()
	restConfig = cfg
	fmt.Printf("envtest control plane with the CRDs up in %s\n", time.Since(start).Round(time.Millisecond))

	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := ec2v1alpha1.AddToScheme(scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintf(os.Stderr, "creating the client: %v\n", err)
		return 1
	}

	admin, err := testEnv.AddUser(envtest.User{Name: "envtest-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "adding the kubectl user: %v\n", err)
		return 1
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		fmt.Fprintf(os.Stderr, "writing the kubeconfig: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "autoscale-operator-api-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	kubeconfigPath = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	return m.Run()
}

// newNamespace creates a namespace for one test, so tests never see each other's objects.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := k8sClient.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	return ns.Name
}

// kubectl runs the envtest kubectl against the envtest API server and returns its standard output.
func kubectl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlPath, append([]string{"--kubeconfig", kubeconfigPath}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}
