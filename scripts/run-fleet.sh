#!/usr/bin/env bash
# Runs the whole fleet locally: installs what is missing, starts Postgres and
# Redis if needed, migrates, and starts the four services. Ctrl-C stops all.
# Local secrets are generated once into .run/local.env (git-ignored).
set -euo pipefail
source "$(dirname "$0")/lib/ensure-tools.sh"
cd "$ROOT"

ensure_dependencies
ensure_postgres
ensure_redis

log "building"
pnpm run --silent build

RUN_DIR="$ROOT/.run"
mkdir -p "$RUN_DIR/logs"
if [ ! -f "$RUN_DIR/local.env" ]; then
  log "generating local secrets in .run/local.env"
  {
    echo "JWT_SECRET=$(openssl rand -hex 32)"
    echo "SECRETS_ENCRYPTION_KEY=$(openssl rand -hex 32)"
  } > "$RUN_DIR/local.env"
  chmod 600 "$RUN_DIR/local.env"
fi
set -a
# shellcheck source=/dev/null
source "$RUN_DIR/local.env"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fleet}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
set +a

db_name="${DATABASE_URL##*/}"
psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$db_name\""
node scripts/migrate.mjs

pids=()
stop_all() {
  trap - INT TERM EXIT
  log "stopping the fleet"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop_all INT TERM EXIT

for service in gateway whatsapp-adapter bot-orchestrator analytics-worker; do
  node "services/$service/dist/main.js" > "$RUN_DIR/logs/$service.log" 2>&1 &
  pids+=("$!")
done

for port in 3000 3001 3002 3003; do
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
done

cat <<INFO

The fleet is running (logs in .run/logs/):
  gateway           http://127.0.0.1:3000/health   gRPC 127.0.0.1:50051
  whatsapp-adapter  http://127.0.0.1:3001/health   gRPC 127.0.0.1:50052
  bot-orchestrator  http://127.0.0.1:3002/health   gRPC 127.0.0.1:50053
  analytics-worker  http://127.0.0.1:3003/health
Press Ctrl-C to stop.
INFO
wait -n "${pids[@]}" || true
log "a service exited; see .run/logs/"
