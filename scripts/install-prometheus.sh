#!/usr/bin/env bash
# Installs Prometheus (Debian's `prometheus` package) for the tests that start a real one on
# 127.0.0.1 and let it scrape `vela-ts sandbox serve` (test/metrics/prometheus.test.ts). Only the
# binary is used: the package's own service is not started. Does nothing when it is present.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ]; then
  echo "prometheus already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "prometheus is missing and apt-get is not available; the Prometheus tests are skipped" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "installing prometheus needs root (or sudo)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Keep the package's service from starting inside containers and CI machines.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends prometheus
echo "installed prometheus"
