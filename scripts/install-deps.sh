#!/usr/bin/env bash
# Installs the Debian 12 packages nashnet needs, if any are missing. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libeigen3-dev prometheus-cpp-dev libboost-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libspdlog-dev
  python3 python3-numpy python3-grpcio python3-grpc-tools chromium
  docker-compose prometheus python3-yaml    # deploy/validate.sh: compose config, promtool
  openssl                                   # scripts/make-test-certs.sh: the test CA (TLS tests)
  clang libfuzzer-14-dev                    # the fuzz preset (libFuzzer targets in fuzz/)
  python3-pytest iproute2                   # the Python SDK's tests; ss -K for connection resets
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# deploy/validate.sh needs `kubectl kustomize`: Debian's kubernetes-client, unless some kubectl is
# already installed (a cloud SDK's kubectl package owns /usr/bin/kubectl and would conflict).
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
# deploy/validate.sh's schema check of the Kubernetes manifests runs on Node.js with npm packages
# pinned by deploy/k8s/schema/package-lock.json: Debian's nodejs and npm, unless a node is already
# installed (NodeSource's nodejs package ships its own npm and conflicts with Debian's).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to apt-get install" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
