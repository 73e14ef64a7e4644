#!/usr/bin/env bash
# Validates the deployment files with every validator available here (no Docker engine or
# Kubernetes cluster is needed). Run by ctest (tests/deploy) and by hand:
#   deploy/validate.sh [--bin-dir DIR] [STEP ...]
# Steps (default: all):
#   compose    docker-compose config -q on deploy/compose.yaml (Debian's docker-compose 1.29)
#   promtool   promtool check config on both scrape configs; check rules on the dashboards' queries
#   static     deploy/check_deploy.py static: Dockerfile, compose, k8s, Grafana consistency
#   runfile    nashnet simulate deploy/braess.yaml for 100 rounds (the run file parses and plays)
#   smoke      deploy/check_deploy.py smoke: compose's commands as local processes on loopback
#   scripts    sh -n / bash -n on the shell scripts
#   kustomize  kubectl kustomize deploy/k8s (kubectl: Debian's kubernetes-client)
# --bin-dir: the built nashnet executables (default build/release/bin); static, runfile and smoke
# use them. Every tool comes from scripts/install-deps.sh, so a missing one is a failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
python=/usr/bin/python3

bin_dir="$root/build/release/bin"
steps=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir="$2"; shift 2 ;;
    --bin-dir=*) bin_dir="${1#*=}"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) steps+=("$1"); shift ;;
  esac
done
[ ${#steps[@]} -gt 0 ] || steps=(compose promtool static runfile smoke scripts kustomize)
[ ! -d "$bin_dir" ] || bin_dir="$(cd "$bin_dir" && pwd)"
cd "$root"

failed=0
skipped=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

say() { printf '%s\n' "$*"; }
need() {  # need TOOL PACKAGE: a tool scripts/install-deps.sh installs
  command -v "$1" >/dev/null && return 0
  say "FAIL $step: $1 not found (Debian package $2; scripts/install-deps.sh installs it)"
  failed=1
  return 1
}
run() {  # run DESCRIPTION COMMAND...: prints the command's output, records a failure
  local out
  if out="$("${@:2}" 2>&1)"; then
    say "ok   $step: $1"
  else
    say "FAIL $step: $1"
    failed=1
  fi
  [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/       /'
}
need_bins() {
  for exe in nashnet nashnet-coordinator nashnet-agent; do
    if [ ! -x "$bin_dir/$exe" ]; then
      say "FAIL $step: $bin_dir/$exe not built (build the three executables, or pass --bin-dir)"
      failed=1
      return 1
    fi
  done
}

for step in "${steps[@]}"; do
  case "$step" in
    compose)
      need docker-compose docker-compose &&
        run "docker-compose config -q deploy/compose.yaml" docker-compose -f deploy/compose.yaml config -q
      ;;
    promtool)
      if need promtool prometheus; then
        run "promtool check config dashboards/prometheus/prometheus.yml" \
          promtool check config dashboards/prometheus/prometheus.yml
        run "promtool check config deploy/k8s/prometheus.yml" promtool check config deploy/k8s/prometheus.yml
        if [ -x "$python" ] && "$python" deploy/check_deploy.py static --rules-out "$tmp/queries.yml" >/dev/null 2>&1; then
          run "promtool check rules: the PromQL of every dashboard query" promtool check rules "$tmp/queries.yml"
        else
          say "FAIL $step: could not extract the dashboards' queries (see the static step)"
          failed=1
        fi
      fi
      ;;
    static)
      if "$python" -c 'import yaml' 2>/dev/null; then
        run "check_deploy.py static (bin dir $bin_dir)" "$python" deploy/check_deploy.py static --bin-dir "$bin_dir"
        [ -d "$bin_dir" ] || { say "FAIL $step: no $bin_dir: flags and libraries unchecked"; failed=1; }
      else
        say "FAIL $step: $python cannot import yaml (Debian package python3-yaml; scripts/install-deps.sh installs it)"
        failed=1
      fi
      ;;
    runfile)
      need_bins &&
        run "nashnet simulate deploy/braess.yaml --rounds 100" \
          "$bin_dir/nashnet" simulate deploy/braess.yaml --rounds 100 --record-every 10 --out "$tmp/runfile" --quiet
      ;;
    smoke)
      need_bins && run "compose's coordinator + agents as local processes" \
        "$python" deploy/check_deploy.py smoke --bin-dir "$bin_dir"
      ;;
    scripts)
      run "sh -n deploy/nashnet-coordinator-serve" sh -n deploy/nashnet-coordinator-serve
      run "bash -n deploy/validate.sh" bash -n deploy/validate.sh
      ;;
    kustomize)
      if command -v kubectl >/dev/null; then
        run "kubectl kustomize deploy/k8s (builds every manifest offline)" \
          bash -c 'kubectl kustomize deploy/k8s > "$0" && grep -c "^kind:" "$0" | sed "s/^/documents: /"' "$tmp/k8s.yaml"
      else
        say "FAIL $step: kubectl not installed (scripts/install-deps.sh installs kubernetes-client)"
        failed=1
      fi
      ;;
    *) say "validate.sh: unknown step $step"; exit 2 ;;
  esac
done

if [ "$failed" -ne 0 ]; then
  say "deploy/validate.sh: FAILED"
  exit 1
fi
if [ "$skipped" -ne 0 ]; then
  say "deploy/validate.sh: passed, some steps skipped"
  exit 77
fi
say "deploy/validate.sh: all passed"
