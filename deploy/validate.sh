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
#   scripts    sh -n / bash -n on the shell scripts; nashnet-prune-records on a made-up folder
#   generator  deploy/k8s/generate.py: the example, its pvc variant, and bad experiments refused
#   kustomize  kubectl kustomize deploy/k8s (kubectl: Debian's kubernetes-client, or any newer),
#              then every object it builds (and the pvc variant's) checked against the Kubernetes
#              API types (deploy/k8s/schema/check.mjs: kubernetes-models + TypeScript, pinned by
#              its package-lock.json, installed with `npm ci` into $NASHNET_K8S_SCHEMA_DIR,
#              default build/k8s-schema, when missing or out of date)
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
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) steps+=("$1"); shift ;;
  esac
done
[ ${#steps[@]} -gt 0 ] || steps=(compose promtool static runfile smoke scripts generator kustomize)
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
      if need docker-compose docker-compose; then
        run "docker-compose config -q deploy/compose.yaml" docker-compose -f deploy/compose.yaml config -q
        run "docker-compose config -q deploy/compose.yaml + deploy/compose.tls.yaml" \
          docker-compose -f deploy/compose.yaml -f deploy/compose.tls.yaml config -q
      fi
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
      run "sh -n deploy/nashnet-create-once" sh -n deploy/nashnet-create-once
      run "sh -n deploy/nashnet-prune-records" sh -n deploy/nashnet-prune-records
      run "bash -n deploy/validate.sh" bash -n deploy/validate.sh
      run "bash -n deploy/k8s/make-secrets.sh" bash -n deploy/k8s/make-secrets.sh
      run "nashnet-prune-records deletes only games over and older than --keep-days" bash -c '
        r="$0"; mkdir -p "$r/old" "$r/new" "$r/running" "$r/drained"
        echo "{\"status\": \"completed\"}" > "$r/old/summary.json"; echo "{}" > "$r/new/summary.json"
        echo "{\"status\":\"drained\"}" > "$r/drained/summary.json"; touch "$r/running/rounds.csv"
        touch -d "20 days ago" "$r/old/summary.json" "$r/drained/summary.json" "$r/running/rounds.csv" "$r/old" "$r/drained" "$r/running"
        deploy/nashnet-prune-records --keep-days 14 "$r" >/dev/null || exit 1
        [ "$(cd "$r" && echo *)" = "drained new running" ] || { echo "left: $(cd "$r" && echo *)"; exit 1; }
        deploy/nashnet-prune-records --keep-days x "$r" 2>/dev/null; [ $? -eq 2 ]' "$tmp/prune"
      ;;
    generator)
      run "generate.py: the example experiment" "$python" deploy/k8s/generate.py \
        deploy/k8s/experiments/braess.yaml --out "$tmp/experiment.yaml"
      sed -e 's/^agent_state: emptyDir .*/agent_state: pvc/' -e 's|^run: ../../braess.yaml|run: '"$root"'/deploy/braess.yaml|' \
        deploy/k8s/experiments/braess.yaml > "$tmp/pvc.yaml"
      run "generate.py: the pvc variant" "$python" deploy/k8s/generate.py "$tmp/pvc.yaml" --out "$tmp/experiment-pvc.yaml"
      run "generate.py refuses bad experiments (exit 2, naming the key)" bash -c '
        py="$0"; dir="$1"; fails=0
        check() {  # check NAME EXPECTED-TEXT: generate.py on $dir/NAME.yaml must exit 2 saying it
          out="$("$py" deploy/k8s/generate.py "$dir/$1.yaml" 2>&1)"; code=$?
          case "$out" in *"$2"*) [ $code -eq 2 ] && return ;; esac
          echo "$1: exit $code: $out"; fails=1
        }
        sed "s/replica: 2}/replica: 3}/; s/id: braess-s3, seed: 3}/id: braess-s3, seed: 3, replica: 3}/" "$dir/pvc.yaml" > "$dir/bad-replica.yaml"
        sed "s/id: braess-s2/id: braess-s1/" "$dir/pvc.yaml" > "$dir/bad-duplicate.yaml"
        sed "s/^agent_state: pvc/agent_state: hostPath/" "$dir/pvc.yaml" > "$dir/bad-state.yaml"
        sed "s/^replicas: 3/replicas: 3\ncolour: blue/" "$dir/pvc.yaml" > "$dir/bad-key.yaml"
        check bad-replica "games[2].replica"
        check bad-duplicate "appears twice"
        check bad-state "agent_state"
        check bad-key "colour"
        exit $fails' "$python" "$tmp"
      ;;
    kustomize)
      if ! command -v kubectl >/dev/null; then
        say "FAIL $step: kubectl not installed (scripts/install-deps.sh installs kubernetes-client)"
        failed=1
      elif need node nodejs && need npm npm; then
        run "kubectl kustomize deploy/k8s (builds every manifest offline)" \
          bash -c 'kubectl kustomize deploy/k8s > "$0" && grep -c "^kind:" "$0" | sed "s/^/objects: /"' "$tmp/k8s.yaml"
        [ -s "$tmp/experiment-pvc.yaml" ] ||
          "$python" deploy/k8s/generate.py "$tmp/pvc.yaml" --out "$tmp/experiment-pvc.yaml" 2>/dev/null ||
          { sed -e 's/^agent_state: emptyDir .*/agent_state: pvc/' -e 's|^run: ../../braess.yaml|run: '"$root"'/deploy/braess.yaml|' \
              deploy/k8s/experiments/braess.yaml > "$tmp/pvc.yaml" &&
            "$python" deploy/k8s/generate.py "$tmp/pvc.yaml" --out "$tmp/experiment-pvc.yaml"; }
        schema="${NASHNET_K8S_SCHEMA_DIR:-$root/build/k8s-schema}"
        if ! cmp -s deploy/k8s/schema/package-lock.json "$schema/package-lock.json" ||
           [ ! -d "$schema/node_modules/kubernetes-models" ]; then
          run "npm ci (kubernetes-models, typescript, yaml as pinned) into $schema" bash -c '
            mkdir -p "$0" && cp deploy/k8s/schema/package.json deploy/k8s/schema/package-lock.json "$0"/ &&
            cd "$0" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error' "$schema"
        fi
        cp deploy/k8s/schema/check.mjs "$schema/check.mjs"
        run "every object against the Kubernetes API types (kubernetes-models + TypeScript)" \
          node "$schema/check.mjs" "$tmp/k8s.yaml" "$tmp/experiment-pvc.yaml"
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
