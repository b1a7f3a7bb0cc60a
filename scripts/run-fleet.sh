#!/usr/bin/env bash
# Runs the whole fleet locally as a demo: installs what is missing, starts
# Postgres if needed, a private AOF-persistent Redis, the Meta Cloud API
# sandbox (the demo's WhatsApp provider), the four services and nginx;
# migrates, seeds a demo tenant, owner and bot, and prints how to talk to the
# bot. Ctrl-C stops everything. Local secrets are generated once into
# .run/local.env (git-ignored).
set -euo pipefail
source "$(dirname "$0")/lib/ensure-tools.sh"
cd "$ROOT"

ensure_dependencies
ensure_postgres
ensure_redis   # for redis-server itself; the demo runs its own instance below
ensure_nginx

log "building"
pnpm run --silent build

RUN_DIR="$ROOT/.run"
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/redis" "$RUN_DIR/nginx"
touch "$RUN_DIR/local.env" && chmod 600 "$RUN_DIR/local.env"
ensure_secret() { # NAME value: appends NAME=value unless .run/local.env has it already
  grep -q "^$1=" "$RUN_DIR/local.env" || { echo "$1=$2" >> "$RUN_DIR/local.env"; log "generated $1 in .run/local.env"; }
}
ensure_secret JWT_SECRET "$(openssl rand -hex 32)"
ensure_secret SECRETS_ENCRYPTION_KEY "$(openssl rand -hex 32)"
ensure_secret META_APP_SECRET "$(openssl rand -hex 16)"
ensure_secret META_VERIFY_TOKEN "$(openssl rand -hex 16)"
ensure_secret DEMO_META_ACCESS_TOKEN "EAAG$(openssl rand -hex 24)"
ensure_secret DEMO_OWNER_PASSWORD "$(openssl rand -base64 18 | tr -d '/+=')"
ensure_secret DEMO_PHONE_NUMBER_ID "1$(od -An -N6 -tu8 /dev/urandom | tr -d ' ' | cut -c1-14)"
set -a
# shellcheck source=/dev/null
source "$RUN_DIR/local.env"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fleet}"
REDIS_PORT="${REDIS_PORT:-6390}"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
SANDBOX_PORT="${SANDBOX_PORT:-4010}"
NGINX_PORT="${NGINX_PORT:-8080}"
META_GRAPH_BASE_URL="http://127.0.0.1:$SANDBOX_PORT"
ADAPTER_GRPC_URL=127.0.0.1:50052
set +a

for port in 3000 3001 3002 3003 50051 50052 50053 "$SANDBOX_PORT" "$NGINX_PORT" "$REDIS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is already in use: stop what runs there (an earlier run?) and try again"; exit 1
  fi
done

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

start() { # name command...
  local name="$1"; shift
  "$@" > "$RUN_DIR/logs/$name.log" 2>&1 &
  pids+=("$!")
}

wait_http() { # url
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  log "$1 did not answer; see .run/logs/"; return 1
}

# The intake queue lives in Redis streams: the demo's Redis keeps an append-only file, like every deployment.
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" --save "" --appendonly yes --appendfsync everysec
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

start provider-sandbox env \
  META_SANDBOX_ACCESS_TOKEN="$DEMO_META_ACCESS_TOKEN" META_SANDBOX_APP_SECRET="$META_APP_SECRET" \
  META_SANDBOX_PHONE_NUMBER_IDS="$DEMO_PHONE_NUMBER_ID" META_SANDBOX_CALLBACK_URL="http://127.0.0.1:$NGINX_PORT/webhooks/meta" \
  META_SANDBOX_STATUS_CALLBACKS=true node packages/provider-sandbox/dist/main.js

for service in whatsapp-adapter gateway bot-orchestrator analytics-worker; do
  start "$service" node "services/$service/dist/main.js"
done

nginx/render.sh --out "$RUN_DIR/nginx/nginx.conf" --listen "127.0.0.1:$NGINX_PORT" --gateway 127.0.0.1:3000 --adapter 127.0.0.1:3001
start nginx "$(command -v nginx || echo /usr/sbin/nginx)" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -g "daemon off;"

for port in 3000 3001 3002 3003; do wait_http "http://127.0.0.1:$port/health"; done
wait_http "http://127.0.0.1:$SANDBOX_PORT/_sandbox/health"
wait_http "http://127.0.0.1:$NGINX_PORT/"

seed="$(node scripts/seed-demo.mjs)"
log "seeded: $seed"

cat <<INFO

The fleet is running behind nginx at http://127.0.0.1:$NGINX_PORT (logs in .run/logs/).
The demo bot "Demo Shop" is connected to the local Cloud API sandbox as number $DEMO_PHONE_NUMBER_ID.

(a) Send the bot a message as a customer (the sandbox signs a real Cloud API webhook and posts it to nginx):
    ./scripts/demo-message.sh "Hola, what do you sell?"
    # or: curl -s -X POST http://127.0.0.1:$SANDBOX_PORT/_sandbox/customer/messages -H 'content-type: application/json' \\
    #       -d '{"phone_number_id":"$DEMO_PHONE_NUMBER_ID","from":"5215512345678","name":"Ana","text":"Hola"}'

(b) See the bot's reply, as the sandbox received it:
    curl -s 'http://127.0.0.1:$SANDBOX_PORT/_sandbox/messages?to=5215512345678'

Fleet health:       curl -s http://127.0.0.1:$NGINX_PORT/api/health
Dashboard login:    owner@demo.shop, password in .run/local.env (DEMO_OWNER_PASSWORD)
                    curl -s -X POST http://127.0.0.1:$NGINX_PORT/api/auth/login -H 'content-type: application/json' \\
                      -d "{\\"email\\":\\"owner@demo.shop\\",\\"password\\":\\"\$(grep DEMO_OWNER_PASSWORD .run/local.env | cut -d= -f2)\\"}"
Press Ctrl-C to stop.
INFO
wait -n "${pids[@]}" || true
log "a process exited; see .run/logs/"
