#!/usr/bin/env bash
# Installs Chromium for the dashboard's browser tests (test/dashboard/*.browser.test.ts and the
# banner test), which drive Debian's `chromium` headless through playwright-core. Does nothing when
# /usr/bin/chromium is already there; otherwise installs Debian's `chromium` package with apt-get.
# Safe to run repeatedly.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and apt-get is not available; install chromium yourself (the dashboard's browser tests are skipped without it)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "installing chromium needs root (or sudo)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium
echo "installed chromium: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
