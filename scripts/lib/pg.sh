# Shared helpers for run.sh and test.sh: find or install PostgreSQL, run a private cluster on 127.0.0.1.
# Sourced, not executed.

PG_BIN=""

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Finds initdb/pg_ctl (newest Debian version first); installs Debian's postgresql package when there is none.
pg_find_or_install() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then PG_BIN="$dir"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN="$(dirname "$(command -v initdb)")"; return 0
  fi
  [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed and installing it needs root: apt-get install postgresql"
  log "Installing PostgreSQL (Debian package 'postgresql')"
  # Only the private clusters of this project run: don't let the package create and start its own.
  mkdir -p /etc/postgresql-common
  [[ -f /etc/postgresql-common/createcluster.conf ]] || echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_find_or_install
}

# PostgreSQL refuses to run as root: as root, run its tools as the 'postgres' system user the package creates.
pg_as() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Makes a directory the cluster user owns (and can reach).
pg_own_dir() {
  mkdir -p "$1"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$1"
    chmod 700 "$1"
    pg_as test -w "$1" || die "the 'postgres' user cannot reach $1; give it search permission on the folders above it (chmod o+x)"
  fi
}

pg_free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  die "no free TCP port found"
}

# pg_init DATADIR [PASSWORD_FILE]: a new cluster; with a password file, password auth, else trust (throwaway).
pg_init() {
  local data="$1" pwfile="${2:-}"
  pg_own_dir "$data"
  if [[ -n "$pwfile" ]]; then
    pg_as "$PG_BIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=scram-sha-256 --auth-host=scram-sha-256 --pwfile="$pwfile" >/dev/null
  else
    pg_as "$PG_BIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 --auth=trust >/dev/null
  fi
}

# pg_start DATADIR PORT LOGFILE: listens on 127.0.0.1 only; the socket lives in the data directory.
pg_start() {
  local data="$1" port="$2" logfile="$3"
  pg_as "$PG_BIN/pg_ctl" -D "$data" -l "$logfile" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$data -c max_connections=300 -c fsync=${PG_FSYNC:-on}" \
    start >/dev/null || { tail -n 20 "$logfile" >&2; die "PostgreSQL did not start (log: $logfile)"; }
}

pg_is_running() { pg_as "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

pg_stop() {
  local data="$1"
  if [[ -n "$PG_BIN" && -d "$data" ]] && pg_is_running "$data"; then
    pg_as "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
}
