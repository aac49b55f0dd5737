// Package security checks the operator's security posture: least-privilege RBAC, a restricted
// manager pod, no secret material in logs, Events or status, and an emulator that listens on
// loopback unless told otherwise.
package security

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// kustomizeVersion is the kustomize `make kustomize` installs into bin/.
const kustomizeVersion = "v5.8.1"

// repoRoot is the repository root (the nearest go.mod above the test's directory).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// manifest is one YAML document of config/, with the file it came from.
type manifest struct {
	file string
	obj  *unstructured.Unstructured
}

// decodeDocuments splits a multi-document YAML stream into objects, skipping empty documents.
func decodeDocuments(t *testing.T, name string, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := dec.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(doc, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// configManifests reads every YAML document under config/ except the CRDs and samples, which hold
// no RBAC or workloads. Files that are not Kubernetes objects (kustomization.yaml) are skipped.
func configManifests(t *testing.T) []manifest {
	t.Helper()
	root := repoRoot(t)
	var out []manifest
	err := filepath.WalkDir(filepath.Join(root, "config"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == filepath.Join("config", "samples") || rel == filepath.Join("config", "crd") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
			return nil
		}
		if base := filepath.Base(path); base == "kustomization.yaml" || base == "kustomizeconfig.yaml" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, obj := range decodeDocuments(t, rel, data) {
			if obj.GetKind() == "" {
				continue
			}
			out = append(out, manifest{file: rel, obj: obj})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no manifests found under config/")
	}
	return out
}

// kustomizeBuild runs bin/kustomize-<version> build on dir, as `make deploy` does. Without the
// binary the test is skipped locally (with the command that installs it) and fails under CI.
func kustomizeBuild(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	root := repoRoot(t)
	bin := filepath.Join(root, "bin", "kustomize-"+kustomizeVersion)
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing under CI: `make test` installs it (make kustomize)", bin)
		}
		t.Skipf("%s is missing: run `make kustomize` to check the built manifests too", bin)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "build", filepath.Join(root, dir))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr.String())
	}
	return decodeDocuments(t, "kustomize build "+dir, stdout.Bytes())
}
