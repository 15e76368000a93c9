#!/usr/bin/env bash
# Run every test on a fresh machine: installs the test dependencies (Debian's chromium for the
# browser tests when it is missing and apt-get is available, and MathJax 3 from npm), then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "tools/test.sh: Chromium is missing; installing Debian's chromium package (~340 MB) for the browser tests." >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium >/dev/null
fi

# MathJax 3 (the major version Anki bundles) for the math browser tests, kept in the git-ignored .cache/.
MATHJAX_VERSION=3.2.2
if [ ! -f .cache/node/node_modules/mathjax/es5/tex-chtml.js ]; then
  if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq npm >/dev/null
  fi
  mkdir -p .cache/node
  npm install --prefix .cache/node --no-audit --no-fund --silent "mathjax@$MATHJAX_VERSION"
fi

python -m pip install --quiet --disable-pip-version-check -e '.[test]'
python -m pytest "$@"
