// Command image builds the manager's container image without a Docker daemon or a base image: a
// static ./cmd/manager on scratch plus what a non-root distroless image gives it (CA certificates,
// /etc/passwd and /etc/group with the nonroot user 65532, a home and /tmp), written as an OCI
// image archive (an OCI layout in a tar) that `docker load`, `podman load`, `skopeo copy
// oci-archive:…` and crane read. The same files go to a directory with --rootfs, which is how the
// Dockerfile gets them, so both ways produce the same filesystem.
//
//	go run ./hack/image --out autoscale-operator.oci.tar --version v0.1.0 --revision $(git rev-parse HEAD)
//	go run ./hack/image --rootfs /rootfs   # the Dockerfile's builder stage
//
// The manager uses no time zone but UTC, so no tzdata is included. Every timestamp is fixed (the
// Unix epoch, or SOURCE_DATE_EPOCH), so the same inputs give the same image digest.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

func main() {
	o := options{}
	flag.StringVar(&o.out, "out", "", "write the OCI image archive here")
	flag.StringVar(&o.rootfs, "rootfs", "", "write the image's files into this directory instead")
	flag.StringVar(&o.manager, "manager", "", "a static manager binary to use instead of building ./cmd/manager")
	flag.StringVar(&o.goarch, "goarch", runtime.GOARCH, "architecture to build for")
	flag.StringVar(&o.version, "version", "dev", "org.opencontainers.image.version label")
	flag.StringVar(&o.revision, "revision", "", "org.opencontainers.image.revision label (the git commit)")
	flag.StringVar(&o.source, "source", "https://github.com/autoscale-operator/autoscale-operator", "org.opencontainers.image.source label")
	flag.StringVar(&o.tag, "tag", "autoscale-operator:latest", "image name recorded in the archive (org.opencontainers.image.ref.name)")
	flag.Parse()
	if (o.out == "") == (o.rootfs == "") {
		fmt.Fprintln(os.Stderr, "image: give exactly one of --out and --rootfs")
		os.Exit(2)
	}
	if err := o.run(); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

type options struct {
	out, rootfs, manager, goarch   string
	version, revision, source, tag string
}

func (o *options) run() error {
	created := time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH: %w", err)
		}
		created = time.Unix(sec, 0).UTC()
	}
	manager := o.manager
	if manager == "" {
		dir, err := os.MkdirTemp("", "image-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		manager = filepath.Join(dir, "manager")
		if err := buildManager(manager, o.goarch); err != nil {
			return err
		}
	}
	bin, err := os.ReadFile(manager)
	if err != nil {
		return err
	}
	files, err := rootfs(bin)
	if err != nil {
		return err
	}
	if o.rootfs != "" {
		return writeDir(o.rootfs, files)
	}
	return writeArchive(o.out, files, imageConfig{
		arch: o.goarch, created: created, tag: o.tag,
		labels: map[string]string{
			"org.opencontainers.image.title":       "autoscale-operator",
			"org.opencontainers.image.description": "Kubernetes operator for AWS EC2 Auto Scaling",
			"org.opencontainers.image.version":     o.version,
			"org.opencontainers.image.revision":    o.revision,
			"org.opencontainers.image.source":      o.source,
			"org.opencontainers.image.licenses":    "Apache-2.0",
		},
	})
}

// buildManager builds a static, stripped ./cmd/manager for linux/goarch, as the Dockerfile does.
func buildManager(out, goarch string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/manager")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/manager: %w", err)
	}
	return nil
}
