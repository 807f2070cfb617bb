#!/usr/bin/env bash
# Installs the shells and terminal the CLI tests drive for real (test/cli/completion*, terminal
# tests): tmux, zsh and fish from Debian. Does nothing for a tool already present; safe to rerun.
set -euo pipefail

missing=()
for tool in tmux zsh fish; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "tmux, zsh and fish already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing ${missing[*]} and apt-get is not available; their tests are skipped" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "installing ${missing[*]} needs root (or sudo)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "installed ${missing[*]}"
