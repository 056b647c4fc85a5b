#!/bin/sh
# Install the Debian packages the tests use, only those that are missing:
#   chromium (headless browser for the HTML maps), fonts-thai-tlwg (Thai glyphs), poppler-utils (pdftoppm).
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
fc-list :lang=th 2>/dev/null | grep -q . || need="$need fonts-thai-tlwg"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
[ -z "$need" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing$need and no apt-get to install them; install them by hand" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages:$need" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need fontconfig >/dev/null
