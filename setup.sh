#!/usr/bin/env bash
# Set up everything the compendium and its tests need on a fresh Debian machine
# with Python 3.11: system packages (poppler for reading PDFs in tests, Debian's
# Chromium for the HTML tests, qpdf), then a virtual environment in .venv.
set -euo pipefail
cd "$(dirname "$0")"

need=()
for pkg in poppler-utils chromium qpdf; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/pip install -q -e '.[test]' 2>&1 \
  | { grep -v -e 'is ignored: it is neither' -e 'Editable installation' || true; }
test -x .venv/bin/weasyprint || { echo "setup failed: packages did not install" >&2; exit 1; }
