#!/usr/bin/env bash
# Runs before the tests. `unit` (npm run test:unit): Debian's docker-compose, which validates
# docker-compose.yml. Otherwise (npm test) also chromium for the browser tests, and the
# PostgreSQL and RabbitMQ servers the run starts its own throwaway instances of (not needed for
# one that TEST_PG_ADMIN_URL / TEST_AMQP_URL point at existing services).
# Installs whichever is missing when it can (root with apt-get, as on this project's machines),
# without letting the install start the system's own services; otherwise says what to install.
set -euo pipefail
missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ "${1:-all}" != unit ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  if [ -z "${TEST_PG_ADMIN_URL:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing+=(postgresql)
  fi
  if [ -z "${TEST_AMQP_URL:-}" ] && [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && ! command -v rabbitmq-server >/dev/null 2>&1; then
    missing+=(rabbitmq-server)
  fi
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing test tools: ${missing[*]}"
  # Debian starts a package's service on install unless policy-rc.d forbids it (exit 101).
  # The tests start their own instances; the machine's stay as they were. An existing
  # policy-rc.d is somebody else's and stays.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# scripts/ensure-test-tools.sh: no service starts while test tools install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "the tests need: ${missing[*]} (Debian: sudo apt-get install ${missing[*]}; or point TEST_PG_ADMIN_URL / TEST_AMQP_URL at running services)" >&2
  exit 1
fi
