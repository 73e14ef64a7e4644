#!/usr/bin/env bash
# The Secrets the manifests mount, as YAML on stdout (nothing is sent to a cluster):
#   deploy/k8s/make-secrets.sh [--certs DIR] [--namespace NS] | kubectl apply -f -
#   nashnet-server-tls   tls.crt, tls.key, ca.crt   the coordinators' certificate; ca.crt checks
#                                                   client certificates (--tls-client-ca)
#   nashnet-client-tls   tls.crt, tls.key, ca.crt   agents' and admins' client certificate; ca.crt
#                                                   checks the coordinators' (--tls-ca)
#   nashnet-tokens       admin-token, join-token    random 32-byte hex tokens (openssl rand)
# --certs DIR: a folder holding ca.crt, server.crt, server.key, client.crt and client.key (your
# PKI's; the server certificate must name what agents pass as --tls-server-name, by default
# nashnet-coordinator). Without it, scripts/make-test-certs.sh makes a test CA and certificates in
# a temporary folder — for trying things out, not for production. Keep the tokens: admins need the
# admin token (kubectl -n nashnet get secret nashnet-tokens -o jsonpath='{.data.admin-token}' |
# base64 -d). Needs kubectl (create secret --dry-run=client works offline) and openssl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
certs=""
namespace="nashnet"
while [ $# -gt 0 ]; do
  case "$1" in
    --certs) certs="$2"; shift 2 ;;
    --certs=*) certs="${1#*=}"; shift ;;
    --namespace) namespace="$2"; shift 2 ;;
    --namespace=*) namespace="${1#*=}"; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "make-secrets.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ -z "$certs" ]; then
  certs="$tmp/certs"
  "$root/scripts/make-test-certs.sh" "$certs" >&2
fi
for f in ca.crt server.crt server.key client.crt client.key; do
  [ -f "$certs/$f" ] || { echo "make-secrets.sh: $certs/$f: no such file" >&2; exit 1; }
done
openssl rand -hex 32 | tr -d '\n' > "$tmp/admin-token"
openssl rand -hex 32 | tr -d '\n' > "$tmp/join-token"
secret() {  # secret NAME KEY=FILE...
  local name="$1"
  shift
  local args=()
  for kv in "$@"; do args+=("--from-file=$kv"); done
  kubectl create secret generic "$name" --namespace "$namespace" --dry-run=client -o yaml "${args[@]}"
  echo "---"
}
secret nashnet-server-tls "tls.crt=$certs/server.crt" "tls.key=$certs/server.key" "ca.crt=$certs/ca.crt"
secret nashnet-client-tls "tls.crt=$certs/client.crt" "tls.key=$certs/client.key" "ca.crt=$certs/ca.crt"
secret nashnet-tokens "admin-token=$tmp/admin-token" "join-token=$tmp/join-token"
