#!/usr/bin/env bash
# Set up everything the compendium and its tests need on a fresh Debian machine
# with Python 3.11: system packages (poppler for reading PDFs in tests, Debian's
# Chromium for the HTML tests, qpdf, Java and Node for the HTML checkers), then a
# virtual environment in .venv and the checkers (axe-core, vnu-jar) in tests/tools.
set -euo pipefail
cd "$(dirname "$0")"

need=()
# fonts-noto-core and fonts-noto-cjk: the Arabic, Hebrew and Chinese faces (compendium/fonts.py).
for pkg in poppler-utils chromium qpdf fonts-noto-core fonts-noto-cjk; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
command -v java >/dev/null || need+=(default-jre-headless)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
# pip's own chatter (index paths, setuptools' editable-install notice) goes to a log that
# is shown only when the install fails.
.venv/bin/pip install -q -e '.[test]' >.venv/pip.log 2>&1 \
  || { cat .venv/pip.log >&2; echo "setup failed: pip install" >&2; exit 1; }
test -x .venv/bin/weasyprint || { echo "setup failed: packages did not install" >&2; exit 1; }

# The HTML checkers the tests run: exact versions from the lock file, no install scripts
# (vnu-jar's would look for Java on the internet).
npm ci --prefix tests/tools --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
test -f tests/tools/node_modules/vnu-jar/build/dist/vnu.jar \
  || { echo "setup failed: vnu-jar did not install" >&2; exit 1; }
