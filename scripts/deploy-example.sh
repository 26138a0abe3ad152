#!/usr/bin/env bash
# An example deploy that drains the job queue first, through the console's deploy gate (docs/architecture.md, "Deploy gate"):
#   1. pause intake;  2. abort if a job has run longer than ABORT_IF_OLDER_THAN_MINUTES;
#   3. wait until no job runs, at most MAX_DRAIN_SECONDS;  4. deploy;  5. resume intake.
# Once the pause is sent, every way out (abort, error, failed deploy, Ctrl-C, SIGTERM) resumes intake.
#
#   DASHBOARD_URL=https://console.example DASHBOARD_TOKEN=... scripts/deploy-example.sh [deploy command...]
#
# The deploy step is the command given as arguments, else DEPLOY_COMMAND (run by bash -c), else `true`.
# Settings (environment): DASHBOARD_URL, DASHBOARD_TOKEN (an API token allowed to pause and resume intake),
# MAX_DRAIN_SECONDS (600), ABORT_IF_OLDER_THAN_MINUTES (5), POLL_SECONDS (10), DEPLOY_COMMAND (true).
# Exit status: 0 deployed; 1 aborted (stuck job, drain cap, console unreachable); otherwise the failing step's status
# (130 on Ctrl-C). Needs curl and jq.
set -euo pipefail

DASHBOARD_URL="${DASHBOARD_URL:-http://127.0.0.1:5000}"
: "${DASHBOARD_TOKEN:?set DASHBOARD_TOKEN to an API token that may pause and resume intake}"
MAX_DRAIN_SECONDS="${MAX_DRAIN_SECONDS:-600}"
ABORT_IF_OLDER_THAN_MINUTES="${ABORT_IF_OLDER_THAN_MINUTES:-5}"
POLL_SECONDS="${POLL_SECONDS:-10}"
DEPLOY_COMMAND="${DEPLOY_COMMAND:-true}"
HEALTH_URL="${DASHBOARD_URL%/}/health/jobs"

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "deploy: $tool is required" >&2; exit 1; }
done

# gate GET|POST [path [reason]]: one call to the gate; fails on any non-2xx answer (503 when the database is down).
# The token goes to curl on standard input, not on its command line where `ps` would show it.
gate() {
  local method=$1 url="$HEALTH_URL${2:+/$2}"
  local args=(-fsS --max-time 30 -X "$method" -H @-)
  if [[ $method == POST ]]; then
    args+=(-H 'Content-Type: application/json' --data "$(jq -cn --arg reason "$3" '{reason: $reason}')")
  fi
  curl "${args[@]}" "$url" <<<"Authorization: Bearer $DASHBOARD_TOKEN"
}

paused=false
on_exit() {
  local status=$?
  trap - EXIT INT TERM
  if [[ $paused == true ]]; then
    echo "deploy: resuming intake" >&2
    gate POST resume "deploy aborted: resume intake" >/dev/null \
      || echo "deploy: could not resume intake; resume it by hand: POST $HEALTH_URL/resume" >&2
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

abort() {
  echo "deploy aborted: $*" >&2
  exit 1
}

# 1. Stop intake. Counted as paused before the answer arrives: a request that timed out may still have been applied.
paused=true
gate POST pause "deploy: drain before restart" >/dev/null
echo "deploy: intake paused; waiting for running jobs (at most ${MAX_DRAIN_SECONDS}s)"

# 2 and 3. Abort on a stuck job; otherwise wait for the running jobs to finish, with a cap.
deadline=$(( $(date +%s) + MAX_DRAIN_SECONDS ))
while true; do
  status=$(gate GET)
  running=$(jq -er '.running | numbers' <<<"$status")
  oldest=$(jq -er '.oldest_running_minutes | numbers' <<<"$status")
  echo "deploy: running=$running oldest_running_minutes=$oldest"
  if (( oldest > ABORT_IF_OLDER_THAN_MINUTES )); then
    abort "a job has run for ${oldest}m, more than ${ABORT_IF_OLDER_THAN_MINUTES}m"
  fi
  (( running == 0 )) && break
  if (( $(date +%s) >= deadline )); then
    abort "${running} job(s) still running after ${MAX_DRAIN_SECONDS}s"
  fi
  sleep "$POLL_SECONDS"
done

# 4. Nothing runs: deploy.
echo "deploy: drained; deploying"
if (( $# > 0 )); then
  "$@"
else
  bash -c "$DEPLOY_COMMAND"
fi

# 5. Resume intake.
gate POST resume "deploy: done, resume intake" >/dev/null
paused=false
echo "deploy: done; intake resumed"
