#!/bin/sh
# Install the Debian packages the tests use, only those that are missing:
#   chromium (headless browser for the HTML maps), fonts-thai-tlwg (Thai glyphs), poppler-utils (pdftoppm),
#   python3-qgis + qgis-providers (headless QGIS opens results.gpkg), postgresql + postgresql-postgis (PostGIS source).
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
fc-list :lang=th 2>/dev/null | grep -q . || need="$need fonts-thai-tlwg"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
# Pango for WeasyPrint (the PDF report)
{ ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; } || need="$need libpango-1.0-0 libpangoft2-1.0-0"
/usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1 || need="$need python3-qgis qgis-providers"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need="$need postgresql-postgis"
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
