#!/usr/bin/env bash
# Builds the control plane envtest needs (kube-apiserver, kubectl, etcd) from the Go module proxy,
# because setup-envtest's download bucket is unreachable from our build machines.
#
# Output: $BIN_DIR/k8s/<k8s-version>-<os>-<arch>/{kube-apiserver,kubectl,etcd}; reused when present.
# Prints that directory on stdout (use it as KUBEBUILDER_ASSETS); progress goes to stderr.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="${BIN_DIR:-$ROOT/bin}"
OUT="$BIN_DIR/k8s/${K8S_VERSION}-$(go env GOOS)-$(go env GOARCH)"

log() { echo "build-control-plane: $*" >&2; }

if [[ -x "$OUT/kube-apiserver" && -x "$OUT/kubectl" && -x "$OUT/etcd" ]]; then
  echo "$OUT"
  exit 0
fi
mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export GOFLAGS="${GOFLAGS:-} -mod=mod" CGO_ENABLED=0 GOWORK=off

# --- kube-apiserver and kubectl -------------------------------------------------------------
# k8s.io/kubernetes is not meant to be consumed as a module: its go.mod points every staging
# module at ./staging. Replace each of them with the published v0.x.y of the same release.
staging_version="v0.${K8S_VERSION#1.}"
modfile="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
[[ -f "$modfile" ]] || { log "cannot download k8s.io/kubernetes@v${K8S_VERSION} from the module proxy"; exit 1; }
go_line="$(grep -m1 '^go ' "$modfile")"
mkdir -p "$WORK/k8s"
{
  echo "module local/controlplane"
  echo
  echo "$go_line"
  echo
  echo "require k8s.io/kubernetes v${K8S_VERSION}"
  echo
  echo "replace ("
  sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$staging_version"'#p' "$modfile"
  echo ")"
} > "$WORK/k8s/go.mod"
cat > "$WORK/k8s/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
major="${K8S_VERSION%%.*}"
minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=${build_date}"
done
(
  cd "$WORK/k8s"
  log "resolving k8s.io/kubernetes v${K8S_VERSION} (staging modules at ${staging_version})"
  go mod tidy -e >&2 2>"$WORK/tidy.log" || { cat "$WORK/tidy.log" >&2; exit 1; }
  for cmd in kube-apiserver kubectl; do
    log "building $cmd (several minutes on a cold cache)"
    go build -trimpath -ldflags "-s -w $ldflags" -o "$OUT/$cmd" "k8s.io/kubernetes/cmd/$cmd"
  done
)

# --- etcd ----------------------------------------------------------------------------------
mkdir -p "$WORK/etcd"
cat > "$WORK/etcd/go.mod" <<MOD
module local/etcd

$go_line

require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
MOD
cat > "$WORK/etcd/tools.go" <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
(
  cd "$WORK/etcd"
  log "building etcd v${ETCD_VERSION}"
  go mod tidy -e >&2 2>"$WORK/tidy-etcd.log" || { cat "$WORK/tidy-etcd.log" >&2; exit 1; }
  go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v${ETCD_VERSION}" \
    -o "$OUT/etcd" go.etcd.io/etcd/server/v3
)

"$OUT/kube-apiserver" --version >&2
"$OUT/kubectl" version --client >&2
"$OUT/etcd" --version >&2
echo "$OUT"
