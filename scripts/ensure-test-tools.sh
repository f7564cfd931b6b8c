#!/usr/bin/env bash
# Runs before `npm test`: the suites drive Debian's chromium (browser tests) and validate
# docker-compose.yml with Debian's docker-compose. Installs whichever is missing when it can
# (root with apt-get, as on this project's machines); otherwise says what to install.
set -euo pipefail
missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing test tools: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "the tests need: ${missing[*]} (Debian: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
