#!/usr/bin/env bash
# The canary walkthrough (placeholder until the release commands land): renders the headline app.
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/vela-ts.js dry-run -f examples/apps/demo-app-v1.yaml
