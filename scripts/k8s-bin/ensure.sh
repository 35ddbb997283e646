#!/usr/bin/env bash
# For .ci/run (and anyone): make sure the test control-plane binaries are in the cache folder,
# building them only when missing. Prints one line when they are already there.
#   bash scripts/k8s-bin/ensure.sh
# Exits non-zero with one clear line when they are missing and cannot be built (e.g. no Go).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
if [[ -x "$K8S_BIN_DIR/etcd" && -x "$K8S_BIN_DIR/kube-apiserver" && -x "$K8S_BIN_DIR/kube-controller-manager" ]]; then
  echo "== k8s-bin: etcd $ETCD_VERSION, kubernetes $K8S_VERSION cached in $K8S_BIN_DIR"
  exit 0
fi
echo "== k8s-bin: building etcd $ETCD_VERSION and kubernetes $K8S_VERSION into $K8S_BIN_DIR (cold build: several minutes)"
exec bash "$here/build.sh"
