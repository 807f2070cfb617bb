#!/usr/bin/env bash
# The canary walkthrough (DESIGN story 1), on a fresh sandbox: release a Helm chart, canary the
# upgrade at 20% then 90% of the traffic, and roll it back without touching the old pods.
# Run it with `npm run demo`. Every `--wait` below passes Kruise's grace periods in sandbox time
# (VELA_TS_REALTIME=1 sleeps through them on the wall clock) and returns when a person has to decide.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f dist/bundle/bin.js ] || npm run --silent build

VELA_TS_SANDBOX="$(mktemp -d "${TMPDIR:-/tmp}/vela-ts-demo-XXXXXX")"
export VELA_TS_SANDBOX
trap 'rm -rf "$VELA_TS_SANDBOX"' EXIT

vela() { node bin/vela-ts.js "$@"; }
# Headings in bold only on a terminal, and never with NO_COLOR set.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
run() { printf '$ vela-ts %s\n' "$*"; vela "$@"; }

# 1,000 seeded requests to http://demo.example.com/version, summarised per image.
shares() {
  printf '$ vela-ts sandbox request --host demo.example.com --path /version --count 1000 --seed 1\n'
  vela sandbox request --host demo.example.com --path /version --count 1000 --seed 1 | awk '/^POD/ { exit } { print }'
}

say "A fresh sandbox in $VELA_TS_SANDBOX; the example chart repository serves https://charts.example.com/demo/"
run sandbox charts add https://charts.example.com/demo/ examples/charts/repo

say "Release 1: chart demo-app 1.0.0 (image v1, 5 pods) behind an nginx Ingress"
run up -f examples/apps/demo-app-v1.yaml --wait
shares

say "Release 2: chart demo-app 2.0.0. The Kruise Rollout stops at step 1: 1 canary pod, 20% of the traffic"
run up -f examples/apps/demo-app-v2.yaml --wait
run sandbox get pods
shares

say "Looks good: approve step 2 (90% of the traffic)"
run workflow resume demo-app --wait
shares

say "Something is wrong after all: suspend the release and roll back"
run workflow suspend demo-app
run workflow rollback demo-app --wait

say "Rolled back: every request on v1 again, served by the same 5 pods as before (look at their age)"
shares
run sandbox get pods
say "Done: the release went 0% → 20% → 90% → rolled back to 0% on v2, and the v1 pods never restarted"
