package security

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// checkRestrictedPod fails on anything the "restricted" Pod Security Standard forbids, plus the
// two things it does not require but we promise: a read-only root filesystem and no
// service-account token beyond the manager's own.
func checkRestrictedPod(t *testing.T, where string, spec *corev1.PodSpec) {
	t.Helper()
	pod := spec.SecurityContext
	if pod == nil {
		t.Fatalf("%s: no pod securityContext", where)
	}
	if pod.RunAsUser != nil && *pod.RunAsUser == 0 {
		t.Errorf("%s: pod runAsUser is 0 (root)", where)
	}
	if pod.SeccompProfile == nil || pod.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod seccompProfile is %+v, want type RuntimeDefault", where, pod.SeccompProfile)
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Errorf("%s: pod uses host namespaces (hostNetwork %v, hostPID %v, hostIPC %v)", where, spec.HostNetwork, spec.HostPID, spec.HostIPC)
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			t.Errorf("%s: volume %s mounts host path %s", where, v.Name, v.HostPath.Path)
		}
	}
	if spec.ServiceAccountName == "" || spec.ServiceAccountName == "default" {
		t.Errorf("%s: serviceAccountName is %q; the manager needs its own service account with the reviewed roles", where, spec.ServiceAccountName)
	}
	containers := append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...)
	if len(containers) == 0 {
		t.Fatalf("%s: no containers", where)
	}
	for _, c := range containers {
		cw := where + " container " + c.Name
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("%s: no securityContext", cw)
			continue
		}
		nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (sc.RunAsNonRoot == nil && pod.RunAsNonRoot != nil && *pod.RunAsNonRoot)
		if !nonRoot {
			t.Errorf("%s: runAsNonRoot is not true (pod %v, container %v)", cw, pod.RunAsNonRoot, sc.RunAsNonRoot)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			t.Errorf("%s: runAsUser is 0 (root)", cw)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem is not true", cw)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation is not false", cw)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s: privileged", cw)
		}
		if sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			t.Errorf("%s: capabilities.drop is %v, want [ALL]", cw, sc.Capabilities)
		} else if len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s: adds capabilities %v", cw, sc.Capabilities.Add)
		}
		if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault &&
			sc.SeccompProfile.Type != corev1.SeccompProfileTypeLocalhost {
			t.Errorf("%s: seccompProfile %s overrides the pod's RuntimeDefault", cw, sc.SeccompProfile.Type)
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				t.Errorf("%s: hostPort %d", cw, p.HostPort)
			}
		}
		if c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: no memory limit", cw)
		}
		for _, e := range c.Env {
			if strings.Contains(strings.ToUpper(e.Name), "SECRET") && e.Value != "" {
				t.Errorf("%s: env %s carries a literal secret value; use valueFrom or the pod identity", cw, e.Name)
			}
		}
	}
}

func deploymentsIn(t *testing.T, objs []*unstructured.Unstructured) []*appsv1.Deployment {
	t.Helper()
	var out []*appsv1.Deployment
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		d := &appsv1.Deployment{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, d); err != nil {
			t.Fatalf("Deployment %s: %v", o.GetName(), err)
		}
		out = append(out, d)
	}
	return out
}

// TestManagerDeploymentIsRestricted parses config/manager/manager.yaml and the output of
// `kustomize build config/default` and checks the manager pod: non-root, read-only root
// filesystem, all capabilities dropped, RuntimeDefault seccomp, no privilege escalation, and a
// namespace that enforces the restricted Pod Security Standard.
func TestManagerDeploymentIsRestricted(t *testing.T) {
	check := func(t *testing.T, where string, objs []*unstructured.Unstructured) {
		ds := deploymentsIn(t, objs)
		if len(ds) != 1 {
			t.Fatalf("%s: %d Deployments, want the manager's one", where, len(ds))
		}
		checkRestrictedPod(t, where+" Deployment "+ds[0].Name, &ds[0].Spec.Template.Spec)
		found := false
		for _, o := range objs {
			if o.GetKind() != "Namespace" {
				continue
			}
			found = true
			if got := o.GetLabels()["pod-security.kubernetes.io/enforce"]; got != "restricted" {
				t.Errorf("%s: Namespace %s has pod-security.kubernetes.io/enforce=%q, want restricted", where, o.GetName(), got)
			}
		}
		if !found {
			t.Errorf("%s: no Namespace; the manager's namespace should enforce the restricted Pod Security Standard", where)
		}
	}
	t.Run("config/manager/manager.yaml", func(t *testing.T) {
		check(t, "config/manager", objectsOf(configManifests(t), "config/manager/manager.yaml"))
	})
	t.Run("kustomize build config/default", func(t *testing.T) {
		check(t, "config/default", kustomizeBuild(t, "config/default"))
	})
}

// TestImageRunsAsNonRoot checks the Dockerfile's final stage: scratch (with hack/image's files,
// which test/image checks) or a distroless nonroot base, and a numeric non-zero USER, which
// runAsNonRoot needs to verify without a passwd file.
func TestImageRunsAsNonRoot(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var lastFrom, user string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			lastFrom, user = f[1], ""
		case "USER":
			user = f[1]
		}
	}
	if lastFrom != "scratch" && (!strings.HasPrefix(lastFrom, "gcr.io/distroless/") || !strings.HasSuffix(lastFrom, ":nonroot")) {
		t.Errorf("final stage FROM %s, want scratch or a gcr.io/distroless/...:nonroot image", lastFrom)
	}
	if !regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(user) {
		t.Errorf("final stage USER %q, want a numeric non-root UID[:GID] such as 65532:65532", user)
	}
}
