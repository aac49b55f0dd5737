// Package image builds the manager's image the way `make image` does (hack/image, no Docker
// daemon) and checks it as a container runtime would see it: an OCI archive with one linux image
// that runs /manager as 65532:65532, holds no shell, carries its version and source labels and
// CA certificates, is reproducible, and whose manager binary runs. It also checks that the
// Dockerfile assembles its final stage from the same files (hack/image --rootfs).
package image

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// entry is a file of the image's flattened filesystem.
type entry struct {
	mode     int64
	uid, gid int
	typ      byte
	data     []byte
}

func goRun(t *testing.T, root string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"run", "./hack/image"}, args...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./hack/image %v: %v\n%s", args, err, out)
	}
}

// untar unpacks an archive into dir.
func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, filepath.Clean(dir)+string(os.PathSeparator)) {
			t.Fatalf("archive entry %q escapes the directory", h.Name)
		}
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// open reads the single image of an OCI archive.
func open(t *testing.T, archive string) v1.Image {
	t.Helper()
	dir := t.TempDir()
	untar(t, archive, dir)
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("not an OCI layout: %v", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("the archive holds %d manifests, want 1", len(im.Manifests))
	}
	if name := im.Manifests[0].Annotations["org.opencontainers.image.ref.name"]; name == "" {
		t.Error("the image has no org.opencontainers.image.ref.name: `docker load` would leave it untagged")
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// filesystem flattens the image's layers.
func filesystem(t *testing.T, img v1.Image) map[string]entry {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]entry{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files["/"+strings.Trim(path.Clean(h.Name), "/")] = entry{mode: h.Mode, uid: h.Uid, gid: h.Gid, typ: h.Typeflag, data: data}
	}
}

func TestImage(t *testing.T) {
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "image.tar")
	goRun(t, root, "--out", archive, "--version", "v9.8.7", "--revision", "0123456789abcdef", "--tag", "autoscale-operator:v9.8.7")
	img := open(t, archive)

	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture == "" {
		t.Errorf("platform %s/%s, want linux/<arch>", cfg.OS, cfg.Architecture)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (nonroot)", cfg.Config.User)
	}
	if !slices.Equal(cfg.Config.Entrypoint, []string{"/manager"}) || len(cfg.Config.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want [/manager] and no cmd", cfg.Config.Entrypoint, cfg.Config.Cmd)
	}
	for label, want := range map[string]string{
		"org.opencontainers.image.version":  "v9.8.7",
		"org.opencontainers.image.revision": "0123456789abcdef",
		"org.opencontainers.image.source":   "https://github.com/autoscale-operator/autoscale-operator",
	} {
		if got := cfg.Config.Labels[label]; got != want {
			t.Errorf("label %s = %q, want %q", label, got, want)
		}
	}

	files := filesystem(t, img)
	for p := range files {
		base := path.Base(p)
		if strings.HasPrefix(p, "/bin") || strings.HasPrefix(p, "/usr/bin") || strings.HasPrefix(p, "/sbin") ||
			slices.Contains([]string{"sh", "bash", "ash", "dash", "busybox"}, base) {
			t.Errorf("the image holds %s: it must have no shell or userland", p)
		}
	}
	if m := files["/manager"]; m.typ != tar.TypeReg || m.mode&0o111 == 0 {
		t.Errorf("/manager is not an executable file: %+v", m.mode)
	}
	passwd := string(files["/etc/passwd"].data)
	if !regexp.MustCompile(`(?m)^nonroot:x:65532:65532:`).MatchString(passwd) {
		t.Errorf("/etc/passwd has no nonroot user 65532:\n%s", passwd)
	}
	if home := files["/home/nonroot"]; home.uid != 65532 || home.gid != 65532 {
		t.Errorf("/home/nonroot belongs to %d:%d, want 65532:65532", home.uid, home.gid)
	}
	if tmp := files["/tmp"]; tmp.typ != tar.TypeDir || tmp.mode&0o1777 != 0o1777 {
		t.Errorf("/tmp mode %o, want a sticky world-writable directory", tmp.mode)
	}
	pool, n := x509.NewCertPool(), 0
	for rest := files["/etc/ssl/certs/ca-certificates.crt"].data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatalf("ca-certificates.crt: %v", err)
		}
		pool.AddCert(c)
		n++
	}
	if n < 100 {
		t.Errorf("ca-certificates.crt holds %d certificates; a root store has over a hundred", n)
	}

	// The unpacked manager runs: --help lists its flags (the flag package exits 2 after --help).
	bin := filepath.Join(dir, "manager")
	if err := os.WriteFile(bin, files["/manager"].data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 2) {
		t.Fatalf("manager --help: %v\n%s", err, out)
	}
	for _, flag := range []string{"-aws-region", "-cluster-id", "-leader-elect", "-metrics-bind-address"} {
		if !bytes.Contains(out, []byte(flag)) {
			t.Errorf("manager --help does not mention %s:\n%s", flag, out)
		}
	}
	// Static: no interpreter (dynamic loader) to find in a scratch image.
	if out, err := exec.Command("file", bin).CombinedOutput(); err == nil && bytes.Contains(out, []byte("dynamically linked")) {
		t.Errorf("the manager is dynamically linked: %s", out)
	}

	// Reproducible: the same inputs give the same digest.
	again := filepath.Join(dir, "again.tar")
	goRun(t, root, "--out", again, "--version", "v9.8.7", "--revision", "0123456789abcdef", "--tag", "autoscale-operator:v9.8.7")
	d1, _ := img.Digest()
	d2, _ := open(t, again).Digest()
	if d1 != d2 {
		t.Errorf("two builds of the same inputs differ: %s and %s", d1, d2)
	}

	checkDockerfile(t, root, dir, files, cfg)
}

// checkDockerfile checks that the Dockerfile's final stage is scratch plus `hack/image --rootfs`
// and the same user and entrypoint, and that --rootfs writes exactly the image's files, with the
// same modes and contents (ownership comes from the Dockerfile's COPY --chown).
func checkDockerfile(t *testing.T, root, dir string, files map[string]entry, cfg *v1.ConfigFile) {
	t.Helper()
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := regexp.MustCompile(`(?m)^FROM `).Split(string(df), -1)
	final := stages[len(stages)-1]
	for _, want := range []string{
		"scratch",
		"\nCOPY --from=builder /rootfs/ /\n",
		"\nCOPY --from=builder --chown=65532:65532 /rootfs/home/nonroot /home/nonroot\n",
		"\nUSER " + cfg.Config.User + "\n",
		`ENTRYPOINT ["/manager"]`,
	} {
		if !strings.Contains(final, want) {
			t.Errorf("the Dockerfile's final stage lacks %q:\n%s", want, final)
		}
	}
	if !strings.Contains(string(df), "go run ./hack/image --rootfs /rootfs") {
		t.Error("the Dockerfile does not build its files with `go run ./hack/image --rootfs /rootfs`")
	}

	rootfs := filepath.Join(dir, "rootfs")
	goRun(t, root, "--rootfs", rootfs)
	got := map[string]entry{}
	err = filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == rootfs {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(rootfs, p)
		e := entry{mode: int64(info.Mode().Perm())}
		if info.Mode()&fs.ModeSticky != 0 {
			e.mode |= 0o1000
		}
		e.typ = tar.TypeDir
		if !d.IsDir() {
			e.typ = tar.TypeReg
			if e.data, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		got["/"+filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range files {
		g, ok := got[p]
		switch {
		case !ok:
			t.Errorf("--rootfs lacks %s", p)
		case g.typ != want.typ || g.mode != want.mode || !bytes.Equal(g.data, want.data):
			t.Errorf("--rootfs %s differs from the image's: mode %o vs %o, %d vs %d bytes", p, g.mode, want.mode, len(g.data), len(want.data))
		}
	}
	for p := range got {
		if _, ok := files[p]; !ok {
			t.Errorf("--rootfs writes %s, which the image lacks", p)
		}
	}
}
