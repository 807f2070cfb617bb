#!/usr/bin/env bash
# Installs kubectl for the e2e tests that drive `vela-ts sandbox serve` with the real client
# (test/e2e/kubectl.test.ts). Does nothing when a kubectl is already on PATH; otherwise installs
# Debian's `kubernetes-client` package with apt-get. Safe to run repeatedly.
set -euo pipefail

if command -v kubectl >/dev/null 2>&1; then
  echo "kubectl already installed: $(command -v kubectl)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "kubectl is missing and apt-get is not available; install kubectl yourself (the kubectl e2e tests are skipped without it)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "installing kubernetes-client needs root (or sudo)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends kubernetes-client
echo "installed kubectl: $(command -v kubectl)"
