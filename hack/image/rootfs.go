package main

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// The user the image runs as: distroless's nonroot.
const (
	nonrootUID = 65532
	nonrootGID = 65532
)

// file is one entry of the image's filesystem.
type file struct {
	path     string // absolute, without the leading "/"
	mode     fs.FileMode
	uid, gid int
	data     []byte // nil for a directory
}

// rootfs lists the image's files, directories before what they hold.
func rootfs(manager []byte) ([]file, error) {
	certs, err := caCertificates()
	if err != nil {
		return nil, err
	}
	dir := func(p string, mode fs.FileMode) file { return file{path: p, mode: fs.ModeDir | mode} }
	home := dir("home/nonroot", 0o700)
	home.uid, home.gid = nonrootUID, nonrootGID
	return []file{
		dir("etc", 0o755),
		{path: "etc/group", mode: 0o644, data: []byte("root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n")},
		// Go's resolver reads nsswitch.conf to decide between /etc/hosts and DNS.
		{path: "etc/nsswitch.conf", mode: 0o644, data: []byte("hosts: files dns\n")},
		{path: "etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\n" +
			"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
			"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		dir("etc/ssl", 0o755),
		dir("etc/ssl/certs", 0o755),
		{path: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: certs},
		dir("home", 0o755),
		home,
		{path: "manager", mode: 0o755, data: manager},
		dir("root", 0o700),
		// The root filesystem is read-only in the Deployment; /tmp is there for whoever mounts one.
		dir("tmp", fs.ModeSticky|0o777),
	}, nil
}

// caCertificates is the Mozilla root store from golang.org/x/crypto/x509roots/fallback (pinned
// in go.mod, so every build has the same bundle), as PEM. Roots with constraints a PEM file cannot
// express (distrust after a date) are left out.
func caCertificates() ([]byte, error) {
	var b bytes.Buffer
	n := 0
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		if err := pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("the CA bundle is empty")
	}
	return b.Bytes(), nil
}

// writeDir writes files under dir (created if needed). Ownership is left to the caller: the
// Dockerfile sets it with COPY --chown, as the archive records it.
func writeDir(dir string, files []file) error {
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.path))
		if f.mode.IsDir() {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		} else if err := os.WriteFile(p, f.data, 0o600); err != nil {
			return err
		}
		// Chmod, not the umask-filtered create mode, and with the sticky bit.
		if err := os.Chmod(p, f.mode&fs.ModePerm|f.mode&fs.ModeSticky); err != nil {
			return err
		}
	}
	return nil
}
