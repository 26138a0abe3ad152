#!/usr/bin/env bash
# Runs the console on an embedded default: a private PostgreSQL under .data/ (127.0.0.1 only), migrated,
# with demo data and a demo worker fleet. The console and the workers connect as least-privileged roles
# (dashboard_console holds dashboard_app, dashboard_demo_worker holds dashboard_worker); migrations and demo
# data run as the database's owner (dashboard_owner); the superuser only creates those roles.
# With ConnectionStrings__Jobs set, that database is used instead and nothing local is started.
#
#   scripts/run.sh [--port N] [--reset] [--scenario incident]
#
# --scenario incident also loads a large incident (once): 1M queued jobs in one kind, 300 more kinds,
# 2,200 leases of which 1,500 are stuck, held by 60 dead workers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
source scripts/lib/pg.sh

PORT=5000
RESET=0
SCENARIO=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --reset) RESET=1; shift ;;
    --scenario)
      [[ "${2:-}" == incident ]] || die "--scenario takes 'incident'"
      SCENARIO=(--scenario incident); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] || die "--port must be a number"

DATA_DIR="$ROOT/.data"
PG_DIR="$DATA_DIR/pg"
CHILDREN=()

cleanup() {
  # A second Ctrl-C must not cut the clean stop short: the cluster is always stopped.
  trap '' INT TERM
  trap - EXIT
  for pid in "${CHILDREN[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CHILDREN[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -z "${ConnectionStrings__Jobs_EXTERNAL:-}" ]]; then pg_stop "$PG_DIR/data"; fi
}

if [[ -n "${ConnectionStrings__Jobs:-}" ]]; then
  export ConnectionStrings__Jobs_EXTERNAL=1
  log "Using the database from ConnectionStrings__Jobs; no local PostgreSQL is started"
else
  pg_find_or_install
  if [[ $RESET -eq 1 && -d "$DATA_DIR" ]]; then
    log "Resetting: removing $DATA_DIR"
    pg_stop "$PG_DIR/data"
    rm -rf "$DATA_DIR"
  fi
  mkdir -p "$DATA_DIR"
  chmod 700 "$DATA_DIR" 2>/dev/null || true
  [[ $(id -u) -ne 0 ]] || chmod 711 "$DATA_DIR"
  if [[ ! -f "$PG_DIR/data/PG_VERSION" ]]; then
    log "Creating a private PostgreSQL cluster in .data/pg"
    pg_own_dir "$PG_DIR"
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$DATA_DIR/pg-password"
    chmod 600 "$DATA_DIR/pg-password"
    install -m 600 "$DATA_DIR/pg-password" "$PG_DIR/pwfile"
    [[ $(id -u) -ne 0 ]] || chown postgres "$PG_DIR/pwfile"
    pg_init "$PG_DIR/data" "$PG_DIR/pwfile"
    rm -f "$PG_DIR/pwfile"
    pg_free_port > "$DATA_DIR/pg-port"
  fi
  PG_PORT="$(cat "$DATA_DIR/pg-port")"
  trap cleanup EXIT INT TERM
  if ! pg_is_running "$PG_DIR/data"; then
    log "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
    pg_start "$PG_DIR/data" "$PG_PORT" "$PG_DIR/postgres.log"
  fi
  ADMIN_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Database=postgres;Username=postgres;Password=$(cat "$DATA_DIR/pg-password")"
fi
trap cleanup EXIT INT TERM

log "Building"
dotnet build Dashboard.sln -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null || dotnet build Dashboard.sln -c Release -v quiet -nologo -clp:ErrorsOnly

BIN=Release/net10.0
CLI=(dotnet "src/Dashboard.Cli/bin/$BIN/dashboard-cli.dll")
if [[ -n "${ADMIN_CONNECTION:-}" ]]; then
  log "Creating the least-privileged roles and the 'jobs' database; migrating as its owner"
  "${CLI[@]}" setup-roles --connection "$ADMIN_CONNECTION" --database jobs --env-file "$DATA_DIR/db-roles.env" >/dev/null
  source "$DATA_DIR/db-roles.env"
  log "Loading demo data (first run only)"
  ConnectionStrings__Jobs="$OWNER_CONNECTION" "${CLI[@]}" seed "${SCENARIO[@]}"
  CONSOLE_CONNECTION_STRING="$CONSOLE_CONNECTION"
  WORKER_CONNECTION_STRING="$WORKER_CONNECTION"
else
  log "Migrating and loading demo data (first run only)"
  "${CLI[@]}" seed "${SCENARIO[@]}"
  CONSOLE_CONNECTION_STRING="$ConnectionStrings__Jobs"
  WORKER_CONNECTION_STRING="${WORKER_CONNECTION_STRING:-$ConnectionStrings__Jobs}"
fi

# The demo fleet: three worker processes; SIGTERM (from cleanup) lets each finish or release its jobs and exit.
mkdir -p "$DATA_DIR"
for n in 1 2 3; do
  ConnectionStrings__Jobs="$WORKER_CONNECTION_STRING" dotnet "src/Dashboard.Demo/bin/$BIN/dashboard-demo.dll" > "$DATA_DIR/worker-$n.log" 2>&1 &
  CHILDREN+=($!)
done
log "Started 3 demo workers (logs: .data/worker-1.log … worker-3.log)"

URL="http://127.0.0.1:$PORT"
if ! env | grep -q '^Dashboard__Auth__'; then
  # No sign-in configured: the embedded demo brings its own users (one per role) and an API token.
  mkdir -p "$DATA_DIR"
  dotnet "src/Dashboard.Cli/bin/$BIN/dashboard-cli.dll" demo-credentials "$DATA_DIR" >/dev/null
  set -a; source "$DATA_DIR/demo-auth.env"; set +a
  source "$DATA_DIR/demo-credentials"
  log "Sign in as '$OPERATOR_NAME' with password '$OPERATOR_PASSWORD' (every demo user and the API token: .data/demo-credentials)"
fi
log "Serving the console at $URL (Ctrl-C stops everything)"
# Plain HTTP on localhost: the HTTPS-redirect warning ("Failed to determine the https port") and the host's start-up
# lines ("Hosting environment: Production", listening on, Ctrl+C) only repeat what the lines above say.
(cd "src/Dashboard.Server/bin/$BIN" && exec env ConnectionStrings__Jobs="$CONSOLE_CONNECTION_STRING" \
  Logging__LogLevel__Microsoft.AspNetCore.HttpsPolicy=Error \
  Logging__LogLevel__Microsoft.Hosting.Lifetime=Warning dotnet Dashboard.Server.dll --urls "$URL") &
WEB_PID=$!
CHILDREN+=("$WEB_PID")
wait "$WEB_PID"
