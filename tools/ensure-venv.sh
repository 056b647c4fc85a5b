#!/bin/sh
# Create a virtual environment with the given Python, installing Debian's venv support when it is missing.
set -eu
PY="$1"; VENV="$2"
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "error: $PY not found; install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "error: ecotown needs Python 3.11 or newer; $PY is $("$PY" --version 2>&1)" >&2; exit 1; }
if [ -x "$VENV/bin/python" ]; then exit 0; fi
if ! "$PY" -m venv "$VENV" 2>/dev/null; then
  rm -rf "$VENV"
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "python${ver}-venv" || \
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
    "$PY" -m venv "$VENV"
  else
    echo "error: '$PY -m venv' failed and apt-get is not available to install venv support" >&2
    exit 1
  fi
fi
