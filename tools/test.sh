#!/usr/bin/env bash
# Run every test on a fresh machine: installs the test dependencies (Debian's chromium for the
# browser tests when it is missing and apt-get is available, and MathJax 3 from npm), then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs a Debian package when its command is missing and apt-get is there, saying so first.
apt_install() {  # apt_install COMMAND PACKAGE WHY
  command -v "$1" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || return 0
  echo "tools/test.sh: $1 is missing; installing Debian's $2 package $3." >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "$2" >/dev/null
}

apt_install chromium chromium "(~340 MB) for the browser tests"

# MathJax 3 (the major version Anki bundles) for the math browser tests, kept in the git-ignored .cache/.
MATHJAX_VERSION=3.2.2
if [ ! -f .cache/node/node_modules/mathjax/es5/tex-chtml.js ]; then
  apt_install npm npm "to fetch MathJax 3 for the math browser tests"
  mkdir -p .cache/node
  npm install --prefix .cache/node --no-audit --no-fund --silent "mathjax@$MATHJAX_VERSION"
fi

python -m pip install --quiet --disable-pip-version-check -e '.[test]'
python -m pytest "$@"
