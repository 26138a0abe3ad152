#!/usr/bin/env bash
# Checks everything: formatting, a warnings-as-errors build, and every test project against a throwaway
# PostgreSQL (temporary directory, free port) that is stopped even when tests fail or the run is interrupted.
#
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Snapshot]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/pg.sh

START=$(date +%s)
log "Checking formatting (dotnet format --verify-no-changes)"
dotnet format Dashboard.sln --verify-no-changes -v quiet || die "formatting differs: run 'dotnet format Dashboard.sln'"

log "Building with warnings as errors"
dotnet build Dashboard.sln -c Release -warnaserror -v quiet -nologo -clp:ErrorsOnly

pg_find_or_install

# Browser tests drive Debian's Chromium; nothing may download a browser of its own.
CHROMIUM="$(command -v chromium || true)"
if [[ -z "$CHROMIUM" ]]; then
  [[ $(id -u) -eq 0 ]] || die "Debian's chromium is needed for the browser tests: apt-get install chromium"
  log "Installing Chromium (Debian package 'chromium')"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  CHROMIUM="$(command -v chromium)"
fi
export DASHBOARD_CHROMIUM="$CHROMIUM"

# The load-balancer tests run the repository's nginx configuration in front of two consoles.
if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  [[ $(id -u) -eq 0 ]] || die "Debian's nginx is needed for the load-balancer tests: apt-get install nginx"
  log "Installing nginx (Debian package 'nginx'; the tests start their own, the package's service is not needed)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  # Where the package started its default site on port 80, stop it: only the tests' own nginx runs.
  { command -v service >/dev/null && service nginx stop >/dev/null 2>&1; } || true
fi

# The deploy gate tests run scripts/deploy-example.sh, which needs curl and jq.
if ! command -v jq >/dev/null || ! command -v curl >/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "curl and jq are needed for the deploy script tests: apt-get install curl jq"
  log "Installing curl and jq (Debian packages)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl jq >/dev/null
fi

# The OpenID Connect browser tests sign in through a real provider: oidc-provider from npm, run by node.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "node and npm are needed for the test OpenID provider: apt-get install nodejs npm"
  log "Installing Node.js and npm (Debian packages 'nodejs', 'npm')"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
OIDC_DIR=tests/oidc-provider
if [[ ! -f "$OIDC_DIR/node_modules/.package-lock.json" || "$OIDC_DIR/package-lock.json" -nt "$OIDC_DIR/node_modules/.package-lock.json" ]]; then
  log "Installing the test OpenID provider (npm ci in $OIDC_DIR)"
  npm ci --prefix "$OIDC_DIR" --no-audit --no-fund --loglevel=error >/dev/null
fi

PG_TMP="$(mktemp -d /tmp/dashboard-test-pg.XXXXXX)"
cleanup() {
  # A second Ctrl-C must not cut the clean-up short: the throwaway cluster is always stopped.
  trap '' INT TERM
  trap - EXIT
  pg_stop "$PG_TMP/data"
  rm -rf "$PG_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$PG_TMP"
[[ $(id -u) -ne 0 ]] || chown postgres:postgres "$PG_TMP"
PG_PORT="$(pg_free_port)"
log "Starting a throwaway PostgreSQL on 127.0.0.1:$PG_PORT"
pg_init "$PG_TMP/data"
PG_FSYNC=off pg_start "$PG_TMP/data" "$PG_PORT" "$PG_TMP/postgres.log"
export DASHBOARD_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Database=postgres;Username=postgres;Pooling=true;Maximum Pool Size=50"
export DASHBOARD_TEST_PG_BIN="$PG_BIN"

log "Running tests"
set +e
dotnet test Dashboard.sln -c Release --no-build -v quiet -nologo --logger "console;verbosity=minimal" "$@" 2>&1 \
  | tee "$PG_TMP/test.log"
status=${PIPESTATUS[0]}
set -e

passed=$(grep -o -E 'Passed: +[0-9]+' "$PG_TMP/test.log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -o -E 'Failed: +[0-9]+' "$PG_TMP/test.log" | awk '{s+=$2} END {print s+0}')
echo "tests: $passed passed, $failed failed"
log "Finished in $(( $(date +%s) - START ))s"
exit "$status"
