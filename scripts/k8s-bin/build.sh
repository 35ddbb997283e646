#!/usr/bin/env bash
# Builds the test control-plane binaries (etcd, kube-apiserver, kube-controller-manager) from the
# Go module proxy, using the pinned wrapper modules in tools/k8s-bin/{k8s,etcd} (go.mod + go.sum).
#
# Output goes to a cache folder OUTSIDE the repo, keyed by the pinned versions:
#   ${K8S_BIN_DIR:-$HOME/.cache/job-reconciler/k8s-bin/<key>}   (key: see env.sh)
# A binary that is already there is not rebuilt; each binary is built into a scratch folder and
# moved in only when complete, so an interrupted build never leaves a half binary behind.
#
# Usage: scripts/k8s-bin/build.sh [--force]     (--force rebuilds even when the binaries exist)
# Cold build on 2 cores takes minutes (see the timings it prints): run it in the background.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"

force=0
[[ "${1:-}" == "--force" ]] && force=1

if ! command -v go >/dev/null 2>&1; then
  echo "k8s-bin: Go is not installed (need go >= ${K8S_BIN_GO_MIN} on PATH) — cannot build etcd/kube-apiserver/kube-controller-manager" >&2
  exit 2
fi
gover="$(go env GOVERSION 2>/dev/null || true)"          # e.g. go1.26.8
if ! printf '%s\n%s\n' "go${K8S_BIN_GO_MIN}" "${gover%%[-+ ]*}" | sort -V -C; then
  echo "k8s-bin: ${gover:-unknown Go} is too old (need go >= ${K8S_BIN_GO_MIN}; GOTOOLCHAIN=local forbids a download)" >&2
  exit 2
fi

export GOWORK=off            # a go.work in a parent folder must not take over
export GOTOOLCHAIN=local     # never try to download another toolchain
export CGO_ENABLED=0         # static binaries, as upstream builds them
export GOFLAGS="-mod=readonly -buildvcs=false"   # go.sum is committed: no resolution at build time

bin="$K8S_BIN_DIR"
mkdir -p "$bin"
exec 9>"$bin/.build.lock"
if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
  echo "k8s-bin: another build is running into $bin; waiting for it" >&2
  flock 9
fi

# A K8S_BIN_DIR override is not keyed by version: rebuild when it holds other versions.
if [[ -f "$bin/VERSIONS" ]] && [[ "$(head -2 "$bin/VERSIONS")" != "$(printf 'k8s %s\netcd %s' "$K8S_VERSION" "$ETCD_VERSION")" ]]; then
  echo "k8s-bin: $bin holds other versions ($(head -2 "$bin/VERSIONS" | tr '\n' ' ')); rebuilding"
  force=1
fi
have() { [[ $force == 0 && -x "$bin/$1" ]]; }
if have etcd && have kube-apiserver && have kube-controller-manager; then
  echo "k8s-bin: up to date in $bin (k8s $K8S_VERSION, etcd $ETCD_VERSION)"
  exit 0
fi

scratch="$(mktemp -d "$bin/.build.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
size() { du -m "$1" | cut -f1; }

# --- module download (a no-op when the module cache already has them) -------------------------
t0=$(now)
(cd "$K8S_BIN_REPO/tools/k8s-bin/k8s" && go mod download k8s.io/kubernetes && go list -deps \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager >/dev/null)
(cd "$K8S_BIN_REPO/tools/k8s-bin/etcd" && go list -deps go.etcd.io/etcd/server/v3 >/dev/null)
echo "k8s-bin: modules ready in $(secs "$t0" "$(now)") s"

# --- etcd ---------------------------------------------------------------------------------------
if ! have etcd; then
  t0=$(now)
  (cd "$K8S_BIN_REPO/tools/k8s-bin/etcd" && go build -trimpath -installsuffix=cgo \
    -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_VERSION}" \
    -o "$scratch/etcd" go.etcd.io/etcd/server/v3)
  mv -f "$scratch/etcd" "$bin/etcd"
  echo "k8s-bin: built etcd $ETCD_VERSION in $(secs "$t0" "$(now)") s ($(size "$bin/etcd") MiB)"
fi

# --- kube-apiserver, kube-controller-manager ----------------------------------------------------
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
ldf="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldf="$ldf -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  ldf="$ldf -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
for cmd in kube-apiserver kube-controller-manager; do
  have "$cmd" && continue
  t0=$(now)
  (cd "$K8S_BIN_REPO/tools/k8s-bin/k8s" && go build -trimpath -tags selinux,notest \
    -ldflags "$ldf" -o "$scratch/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  mv -f "$scratch/$cmd" "$bin/$cmd"
  echo "k8s-bin: built $cmd $K8S_VERSION in $(secs "$t0" "$(now)") s ($(size "$bin/$cmd") MiB)"
done

printf 'k8s %s\netcd %s\n%s\n' "$K8S_VERSION" "$ETCD_VERSION" "$gover" > "$bin/VERSIONS"
echo "k8s-bin: ready in $bin (k8s $K8S_VERSION, etcd $ETCD_VERSION, $gover)"
