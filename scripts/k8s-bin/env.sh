# Source this (bash): sets the pinned versions and the binary cache folder of the test control
# plane, read from the wrapper modules' go.mod files (no Go needed).
#   K8S_VERSION     e.g. v1.36.5   (tools/k8s-bin/k8s/go.mod)
#   ETCD_VERSION    e.g. v3.6.16   (tools/k8s-bin/etcd/go.mod)
#   K8S_BIN_DIR     ${K8S_BIN_DIR:-$HOME/.cache/job-reconciler/k8s-bin/k8s-<K8S_VERSION>_etcd-<ETCD_VERSION>}
# Run directly (`bash scripts/k8s-bin/env.sh`) it prints those lines as `NAME=value`.
# adapters/stores/kubernetes/testing/controlPlane.ts derives the same folder the same way.
K8S_BIN_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
K8S_BIN_GO_MIN=1.26.0
# (`go mod tidy` keeps the requirement inside the require block, marked `// indirect`)
K8S_VERSION="$(sed -n 's/^\(require\)\{0,1\}[[:space:]]*k8s\.io\/kubernetes \(v[^ ]*\).*/\2/p' "$K8S_BIN_REPO/tools/k8s-bin/k8s/go.mod" | head -1)"
ETCD_VERSION="$(sed -n 's/^\(require\)\{0,1\}[[:space:]]*go\.etcd\.io\/etcd\/server\/v3 \(v[^ ]*\).*/\2/p' "$K8S_BIN_REPO/tools/k8s-bin/etcd/go.mod" | head -1)"
if [[ -z "$K8S_VERSION" || -z "$ETCD_VERSION" ]]; then
  echo "k8s-bin: cannot read the pinned versions from tools/k8s-bin/{k8s,etcd}/go.mod" >&2
  return 1 2>/dev/null || exit 1
fi
K8S_BIN_DIR="${K8S_BIN_DIR:-${HOME:-/root}/.cache/job-reconciler/k8s-bin/k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}}"
export K8S_VERSION ETCD_VERSION K8S_BIN_DIR

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  printf 'K8S_VERSION=%s\nETCD_VERSION=%s\nK8S_BIN_DIR=%s\n' "$K8S_VERSION" "$ETCD_VERSION" "$K8S_BIN_DIR"
fi
