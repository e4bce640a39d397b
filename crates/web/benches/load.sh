#!/usr/bin/env bash
# Load benchmark of the web platform (a benchmark, not a test).
#
# Starts `gaoxin serve` (release build) on the 30,000-firm demo zone in a fresh SQLite database,
# signs in as the demo zone administrator, and runs wrk from a second process on loopback against
# the dashboard's JSON endpoint and an enterprise-list page. Prints req/s, p99 latency, errors and
# the exact wrk commands.
#
#   bash crates/web/benches/load.sh            # 60 s, 64 connections per endpoint
#   DURATION=10s CONNECTIONS=32 bash crates/web/benches/load.sh
#   DATABASE_URL=postgres://… bash crates/web/benches/load.sh   # (an empty database) PostgreSQL instead
#
# Needs: wrk and curl (apt-get install -y wrk curl). Goal: ≥ 2,000 req/s on /api/v1/summary with
# zero errors and p99 < 100 ms on a 2-core machine.
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"

DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ENTERPRISES=${ENTERPRISES:-30000}
for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "需要 $tool：apt-get install -y $tool" >&2; exit 1; }
done

TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release -p gaoxin-cli
BIN="$TARGET/release/gaoxin"

WORK=$(mktemp -d)
DB=${DATABASE_URL:-sqlite://$WORK/bench.db}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

echo "== loading the demo zone ($ENTERPRISES firms) into $DB"
"$BIN" --database "$DB" demo --enterprises "$ENTERPRISES" >/dev/null

"$BIN" --database "$DB" serve --no-demo --bind "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do
  curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$BASE/healthz" >/dev/null || { cat "$WORK/serve.log"; echo "server did not start" >&2; exit 1; }
PASSWORD=$(sed -n 's/^ *admin  *密码 \([^ ]*\).*/\1/p' "$WORK/serve.log" | head -1)
PASSWORD=${PASSWORD:-demo-admin-2026}

echo "== signing in as admin"
JAR="$WORK/cookies"
TOKEN=$(curl -fs -c "$JAR" "$BASE/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -fs -b "$JAR" -c "$JAR" -o /dev/null \
  --data-urlencode "_csrf=$TOKEN" --data-urlencode "username=admin" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$BASE/login"
SID=$(awk '$6 == "gx_session" { print $7 }' "$JAR" | tail -1)
[ -n "$SID" ] || { echo "sign-in failed" >&2; exit 1; }
curl -fs -H "Cookie: gx_session=$SID" "$BASE/api/v1/me" | grep -q '"zone_admin"' || { echo "session not valid" >&2; exit 1; }

# Warm the dashboard cache (first computation scans the latest year of the panel).
t0=$(date +%s.%N)
curl -fs -o /dev/null -H "Cookie: gx_session=$SID" "$BASE/api/v1/summary"
t1=$(date +%s.%N)
printf "first /api/v1/summary (cold cache): %.2f s\n" "$(echo "$t1 - $t0" | bc)"

run() {
  local path=$1
  local cmd=(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: gx_session=$SID" "$BASE$path")
  echo
  echo "== ${cmd[*]//$SID/<session>}"
  local out
  out=$("${cmd[@]}")
  echo "$out" > "$WORK/wrk.out"
  local rps p99 non2xx sock
  rps=$(awk '/Requests\/sec/ { print $2 }' "$WORK/wrk.out")
  p99=$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.out")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$WORK/wrk.out")
  sock=$(awk '/Socket errors/ { print $0 }' "$WORK/wrk.out")
  echo "$path: ${rps} req/s, p99 ${p99}, non-2xx ${non2xx:-0}${sock:+, $sock}"
  echo "$path	${rps}	${p99}	${non2xx:-0}" >> "$WORK/results.tsv"
}

run "/api/v1/summary"
run "/enterprises?park=jiangbei&sort=revenue"

echo
echo "== results (endpoint, req/s, p99, non-2xx) on $(nproc) cores, $ENTERPRISES firms, $DB"
cat "$WORK/results.tsv"
