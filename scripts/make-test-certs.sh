#!/usr/bin/env bash
# Makes a throw-away certificate authority and certificates for nashnet's TLS, with openssl:
#
#   scripts/make-test-certs.sh OUTDIR
#
# writes into OUTDIR (created if missing; keys are mode 600):
#   ca.pem, ca.key                  the test CA ("nashnet test CA")
#   server.pem, server.key          the coordinator's certificate, signed by the CA, for
#                                   DNS:localhost, IP:127.0.0.1, IP:::1 (plus $NASHNET_CERT_SANS)
#   client.pem, client.key          a client certificate (CN nashnet-client) for mutual TLS
#   other-ca.pem, other-ca.key      a second, unrelated CA (for "wrong CA" tests)
#   other-client.pem, other-client.key   a client certificate signed by the unrelated CA
#
# Idempotent: if every file is already there it changes nothing; otherwise it makes a new set
# (in a temporary folder, moved into place at the end, so OUTDIR never holds a mixed set). No
# prompts; EC P-256 keys, so it takes a fraction of a second. Never commit its output.
#
# Extra names for the server certificate (Compose service names, Kubernetes Services):
#   NASHNET_CERT_SANS="DNS:coordinator,DNS:nashnet-coordinator.nashnet.svc" \
#     scripts/make-test-certs.sh certs/
#
# Using them:
#   nashnet-coordinator --tls-cert OUTDIR/server.pem --tls-key OUTDIR/server.key \
#                       [--tls-client-ca OUTDIR/ca.pem]            # mutual TLS
#   nashnet-agent --tls-ca OUTDIR/ca.pem [--tls-cert OUTDIR/client.pem --tls-key OUTDIR/client.key]
#   nashnet list --tls-ca OUTDIR/ca.pem [--tls-cert ... --tls-key ...]
#   Kubernetes: kubectl create secret generic nashnet-tls --from-file=OUTDIR/ca.pem \
#                 --from-file=OUTDIR/server.pem --from-file=OUTDIR/server.key ...
# These certificates are for tests and demos: a real deployment uses its own CA.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
command -v openssl >/dev/null || { echo "$0: needs openssl (apt-get install openssl)" >&2; exit 1; }

files=(ca.pem ca.key server.pem server.key client.pem client.key other-ca.pem other-ca.key
       other-client.pem other-client.key)
complete=1
for f in "${files[@]}"; do
  [ -s "$out/$f" ] || complete=0
done
if [ "$complete" = 1 ]; then
  exit 0
fi

mkdir -p "$out"
work=$(mktemp -d "$out/.make-test-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 077
days=3650
sans="DNS:localhost,IP:127.0.0.1,IP:::1${NASHNET_CERT_SANS:+,$NASHNET_CERT_SANS}"

key() {  # key NAME: an EC P-256 private key in PKCS#8 PEM
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$1.key" 2>/dev/null
}

ca() {  # ca NAME CN: a self-signed CA certificate
  key "$1"
  openssl req -x509 -new -batch -key "$work/$1.key" -subj "/CN=$2" -days "$days" -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$work/$1.pem" 2>/dev/null
}

leaf() {  # leaf NAME CN CA EXTENSIONS: a certificate signed by CA
  key "$1"
  openssl req -new -batch -key "$work/$1.key" -subj "/CN=$2" -out "$work/$1.csr" 2>/dev/null
  printf '%s\n' "$4" >"$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/$3.pem" -CAkey "$work/$3.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$days" -sha256 \
    -extfile "$work/$1.ext" -out "$work/$1.pem" 2>/dev/null
}

ca ca "nashnet test CA"
ca other-ca "nashnet unrelated test CA"
leaf server localhost ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans"
client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
leaf client nashnet-client ca "$client_ext"
leaf other-client nashnet-other-client other-ca "$client_ext"

for f in "${files[@]}"; do
  chmod 644 "$work/$f"
  case "$f" in *.key) chmod 600 "$work/$f" ;; esac
  mv -f "$work/$f" "$out/$f"
done
