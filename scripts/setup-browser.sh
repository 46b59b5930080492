#!/usr/bin/env bash
# Install what tests/browser needs, idempotently: Debian's Chromium (the system browser; Playwright never
# downloads one) and node + the pinned playwright-core in tests/browser/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if [ ! -x /usr/bin/chromium ]; then
  echo "setup-browser: installing chromium"
  apt_install chromium chromium-driver
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup-browser: installing node and npm"
  apt_install nodejs npm
fi

if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup-browser: warning: playwright-core needs node >= 20, found $(node --version)" >&2
fi

cd tests/browser
lock_version="$(node -p "require('./package-lock.json').packages['node_modules/playwright-core'].version")"
have_version="$(node -p "try { require('./node_modules/playwright-core/package.json').version } catch {''}")"
if [ "$have_version" != "$lock_version" ]; then
  echo "setup-browser: npm ci (playwright-core $lock_version)"
  # playwright-core has no install script, but make sure nothing tries to fetch a browser
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup-browser: $(/usr/bin/chromium --version 2>/dev/null), node $(node --version)," \
  "playwright-core $lock_version"
