#!/usr/bin/env bash
# The system packages the test suite needs besides Python's: Chromium for the playground's browser tests
# (Playwright drives Debian's /usr/bin/chromium; Playwright's own browser download cannot work here), Java for the
# Spark scoring tests, and Node.js and npm for the ONNX test that scores a model from a second language
# (onnxruntime-node, which the test installs from the npm registry). Installs what is missing (as root, with
# apt-get); says what to install otherwise.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "The tests need these Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "Installing ${missing[*]} (apt-get)..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
