#!/usr/bin/env bash
# Runs the whole fleet locally as a demo: installs what is missing, starts
# Postgres if needed, a private AOF-persistent Redis, the provider sandbox (fakes
# of Meta's Cloud API, a 360dialog-style BSP, Twilio and Evolution API; the demo
# bot uses the one --provider names), the four services (as many replicas of
# each as asked) and nginx; migrates, seeds a demo tenant, owner and bot, and
# prints how to talk to the bot. Like `docker compose up`, it restarts a
# process that exits and keeps the demo running; Ctrl-C stops everything, in
# order. Local secrets are generated once into .run/local.env (git-ignored).
set -euo pipefail
# Started in the background by a non-interactive shell (`./scripts/run-fleet.sh &`), the script
# inherits SIGINT ignored, and bash cannot trap a signal ignored on entry: start over with the
# default disposition, so that `kill -INT` stops the fleet in order as Ctrl-C does.
if [ -n "$(trap -p INT)" ] && [ -z "${FLEET_SIGINT_RESET:-}" ] && env --default-signal=INT true 2>/dev/null; then
  FLEET_SIGINT_RESET=1 exec env --default-signal=INT "$0" "$@"
fi
source "$(dirname "$0")/lib/ensure-tools.sh"
cd "$ROOT"

SERVICES=(whatsapp-adapter gateway bot-orchestrator analytics-worker)
declare -A HTTP_BASE=([gateway]=3000 [whatsapp-adapter]=3001 [bot-orchestrator]=3002 [analytics-worker]=3003)
declare -A GRPC_BASE=([gateway]=50051 [whatsapp-adapter]=50052 [bot-orchestrator]=50053 [analytics-worker]=50054)
# Replica i listens on base + 100*i: 20 replicas stay clear of the sandbox, nginx and Redis ports.
MAX_REPLICAS=20
declare -A SCALE=()
for service in "${SERVICES[@]}"; do SCALE[$service]=1; done
PROVIDERS=(meta official twilio evolution)
PROVIDER=meta

usage() {
  cat <<USAGE
usage: ./scripts/run-fleet.sh [--provider NAME] [--scale SERVICE=N]...

Runs the fleet locally behind nginx on http://127.0.0.1:\${NGINX_PORT:-8080} (Ctrl-C stops it).

  --provider NAME    the demo bot's WhatsApp provider (default meta), played by a local fake:
                       meta       Meta's Cloud API        fake on SANDBOX_PORT
                       official   a 360dialog-style BSP   fake on SANDBOX_PORT + 1
                       twilio     Twilio                  fake on SANDBOX_PORT + 2
                       evolution  Evolution API           fake on SANDBOX_PORT + 3 (the seed links
                                  the bot's instance, as the owner's phone scanning its QR code)
                     All four fakes run; ./scripts/demo-message.sh talks to the chosen one.
  --scale SERVICE=N  run N replicas of SERVICE (1 to $MAX_REPLICAS; default 1), like
                     \`docker compose up --scale\`; repeat it for several services. SERVICE is
                     gateway, whatsapp-adapter, bot-orchestrator or analytics-worker.
  -h, --help         this text

Ports: replica i (0, 1, 2, ...) of a service listens on the service's base ports + 100*i:
  gateway            HTTP 3000 + 100*i   gRPC 50051 + 100*i
  whatsapp-adapter   HTTP 3001 + 100*i   gRPC 50052 + 100*i
  bot-orchestrator   HTTP 3002 + 100*i   gRPC 50053 + 100*i
  analytics-worker   HTTP 3003 + 100*i   gRPC 50054 + 100*i
e.g. with --scale bot-orchestrator=3 the orchestrators answer on 3002, 3102 and 3202. Every
gateway and adapter replica sits behind nginx; the orchestrators and the gateways call every
adapter replica over gRPC (round robin), the gateways every orchestrator and analytics worker. Logs:
.run/logs/<name>.log, where replica i > 0 is named <service>-<i>.

A process that exits is started again, like a compose restart policy: after 1 s, doubling up
to 30 s while it keeps dying within 10 s of its start; the script logs
"restarting <name> (exited with code N)". Ctrl-C (or SIGTERM) stops the services first and
waits for them, then nginx and the sandbox, and Redis last.

Environment: SANDBOX_PORT (4010; the fakes use it and the next three ports), NGINX_PORT (8080),
REDIS_PORT (6390), DATABASE_URL (postgres://postgres@127.0.0.1:5432/fleet).
USAGE
}

usage_error() {
  echo "run-fleet.sh: $*" >&2
  echo "Try './scripts/run-fleet.sh --help'." >&2
  exit 2
}

set_scale() { # SERVICE=N
  local spec="$1" name count
  [[ "$spec" == *=* ]] || usage_error "--scale takes SERVICE=N, got '$spec'"
  name="${spec%%=*}" count="${spec#*=}"
  if [ -z "$name" ] || [ -z "${HTTP_BASE[$name]+set}" ]; then
    usage_error "--scale: unknown service '$name' (one of: ${SERVICES[*]})"
  fi
  if ! [[ "$count" =~ ^[0-9]{1,3}$ ]] || [ "$((10#$count))" -lt 1 ] || [ "$((10#$count))" -gt "$MAX_REPLICAS" ]; then
    usage_error "--scale $name: the number of replicas must be 1 to $MAX_REPLICAS, got '$count'"
  fi
  SCALE[$name]=$((10#$count))
}

set_provider() { # NAME
  local name
  for name in "${PROVIDERS[@]}"; do
    if [ "$1" = "$name" ]; then PROVIDER="$1"; return; fi
  done
  usage_error "--provider: unknown provider '$1' (one of: ${PROVIDERS[*]})"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --scale) [ $# -ge 2 ] || usage_error "--scale needs SERVICE=N"; set_scale "$2"; shift 2 ;;
    --scale=*) set_scale "${1#--scale=}"; shift ;;
    --provider) [ $# -ge 2 ] || usage_error "--provider needs a NAME"; set_provider "$2"; shift 2 ;;
    --provider=*) set_provider "${1#--provider=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done

say() { printf '\033[1m[fleet]\033[0m %s\n' "$*" >&2; }

# ---- replicas and their ports -------------------------------------------------------------------

declare -A SERVICE_OF=() INDEX_OF=() # process name → service, replica index
REPLICAS=()                          # process names of every service replica
for service in "${SERVICES[@]}"; do
  for ((i = 0; i < ${SCALE[$service]}; i++)); do
    if [ "$i" -eq 0 ]; then name="$service"; else name="$service-$i"; fi
    SERVICE_OF[$name]="$service" INDEX_OF[$name]="$i"
    REPLICAS+=("$name")
  done
done

http_port() { echo $((${HTTP_BASE[$1]} + 100 * $2)); } # service index
grpc_port() { echo $((${GRPC_BASE[$1]} + 100 * $2)); } # service index

# A gRPC target naming every replica of a service: grpc-js resolves `ipv4:a:p,b:p` to all of
# them and the fleet's clients go round robin over them.
grpc_target() { # service
  local i addresses=()
  for ((i = 0; i < ${SCALE[$1]}; i++)); do addresses+=("127.0.0.1:$(grpc_port "$1" "$i")"); done
  if [ "${#addresses[@]}" -eq 1 ]; then echo "${addresses[0]}"; else (IFS=,; echo "ipv4:${addresses[*]}"); fi
}

# ---- setup --------------------------------------------------------------------------------------

ensure_dependencies
ensure_postgres
ensure_redis   # for redis-server itself; the demo runs its own instance below
ensure_nginx

log "building"
pnpm run --silent build

RUN_DIR="$ROOT/.run"
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/redis"
touch "$RUN_DIR/local.env" && chmod 600 "$RUN_DIR/local.env"
new_secrets=0
ensure_secret() { # NAME value [keeps-db]: appends NAME=value unless .run/local.env has it already
  grep -q "^$1=" "$RUN_DIR/local.env" && return
  echo "$1=$2" >> "$RUN_DIR/local.env"
  log "generated $1 in .run/local.env"
  [ "${3:-}" = keeps-db ] || new_secrets=1
}
ensure_secret JWT_SECRET "$(openssl rand -hex 32)"
ensure_secret SECRETS_ENCRYPTION_KEY "$(openssl rand -hex 32)"
ensure_secret FLEET_KEY "$(openssl rand -hex 32)" keeps-db
ensure_secret META_APP_SECRET "$(openssl rand -hex 16)"
ensure_secret META_VERIFY_TOKEN "$(openssl rand -hex 16)"
ensure_secret DEMO_META_ACCESS_TOKEN "EAAG$(openssl rand -hex 24)"
ensure_secret DEMO_OWNER_PASSWORD "$(openssl rand -base64 18 | tr -d '/+=')"
ensure_secret DEMO_PHONE_NUMBER_ID "1$(od -An -N6 -tu8 /dev/urandom | tr -d ' ' | cut -c1-14)"
# The other providers' demo accounts: the seed writes them into the bot on every run, so new ones
# leave the demo database usable (an older .run/local.env simply gains them).
ensure_secret DEMO_D360_API_KEY "$(openssl rand -hex 24)" keeps-db
ensure_secret DEMO_D360_PHONE_NUMBER_ID "1$(od -An -N6 -tu8 /dev/urandom | tr -d ' ' | cut -c1-14)" keeps-db
ensure_secret DEMO_TWILIO_ACCOUNT_SID "AC$(openssl rand -hex 16)" keeps-db
ensure_secret DEMO_TWILIO_AUTH_TOKEN "$(openssl rand -hex 16)" keeps-db
ensure_secret DEMO_TWILIO_NUMBER "+1555$(printf '%07d' $(((RANDOM * 32768 + RANDOM) % 10000000)))" keeps-db
ensure_secret DEMO_EVOLUTION_API_KEY "$(openssl rand -hex 24)" keeps-db
set -a
# shellcheck source=/dev/null
source "$RUN_DIR/local.env"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fleet}"
REDIS_PORT="${REDIS_PORT:-6390}"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
SANDBOX_PORT="${SANDBOX_PORT:-4010}"
NGINX_PORT="${NGINX_PORT:-8080}"
META_GRAPH_BASE_URL="http://127.0.0.1:$SANDBOX_PORT"
# One port per fake: each is its own server (their catch-all 404s would shadow each other).
D360_SANDBOX_URL="http://127.0.0.1:$((SANDBOX_PORT + 1))"
TWILIO_SANDBOX_URL="http://127.0.0.1:$((SANDBOX_PORT + 2))"
DEMO_EVOLUTION_BASE_URL="http://127.0.0.1:$((SANDBOX_PORT + 3))"
DEMO_PROVIDER="$PROVIDER"
# Every adapter replica, for the services that call it.
ADAPTER_GRPC_URL="$(grpc_target whatsapp-adapter)"
# seed-demo.mjs registers the demo shop and its bot through the public API.
GATEWAY_URL="http://127.0.0.1:$NGINX_PORT"
set +a

ports=("$SANDBOX_PORT" "$((SANDBOX_PORT + 1))" "$((SANDBOX_PORT + 2))" "$((SANDBOX_PORT + 3))" "$NGINX_PORT" "$REDIS_PORT")
for name in "${REPLICAS[@]}"; do
  service="${SERVICE_OF[$name]}" i="${INDEX_OF[$name]}"
  ports+=("$(http_port "$service" "$i")")
  [ -z "${GRPC_BASE[$service]+set}" ] || ports+=("$(grpc_port "$service" "$i")")
done
for port in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is already in use: stop what runs there (an earlier run?) and try again"; exit 1
  fi
done

db_name="${DATABASE_URL##*/}"
# The demo's data belongs to its secrets: with new ones (a first run, or .run/ removed), the
# bots' sealed credentials and the owner's password of an older demo database are useless.
if [ "$new_secrets" -eq 1 ] && psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  log "new demo secrets: starting the demo database $db_name afresh"
  psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE \"$db_name\" WITH (FORCE)"
fi
psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$db_name\""
node scripts/migrate.mjs

# ---- processes: start, supervise, stop ----------------------------------------------------------

declare -A PID_OF=()     # process name → pid while it runs
declare -A NAME_OF=()    # pid → process name
declare -A TIMER_OF=()   # pid of a restart timer (sleep) → process name
declare -A STARTED_AT=() # process name → $SECONDS at its last start
declare -A DELAY=()      # process name → seconds before its next restart
# Parent-death signal: if this script is killed with -9, its processes still get SIGTERM.
PDEATHSIG=()
if command -v setpriv >/dev/null 2>&1; then PDEATHSIG=(setpriv --pdeathsig TERM); fi

spawn() { # name command...: one process of the demo, logging to .run/logs/<name>.log
  local name="$1"; shift
  # In a session of its own, so the terminal's Ctrl-C reaches only this script, which then
  # stops everything in order (otherwise Redis would get SIGINT at the same time as the services).
  setsid "${PDEATHSIG[@]}" "$@" >> "$RUN_DIR/logs/$name.log" 2>&1 < /dev/null &
  PID_OF[$name]=$!
  NAME_OF[$!]="$name"
  STARTED_AT[$name]=$SECONDS
}

launch() { # name: starts (again) one process of the demo
  local name="$1" service i
  case "$name" in
    redis)
      # The intake queue lives in Redis streams: the demo's Redis keeps an append-only file, like every deployment.
      spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" --save "" --appendonly yes --appendfsync everysec ;;
    provider-sandbox)
      spawn provider-sandbox env \
        META_SANDBOX_ACCESS_TOKEN="$DEMO_META_ACCESS_TOKEN" META_SANDBOX_APP_SECRET="$META_APP_SECRET" \
        META_SANDBOX_PHONE_NUMBER_IDS="$DEMO_PHONE_NUMBER_ID" META_SANDBOX_CALLBACK_URL="http://127.0.0.1:$NGINX_PORT/webhooks/meta" \
        META_SANDBOX_STATUS_CALLBACKS=true \
        D360_SANDBOX_PORT="$((SANDBOX_PORT + 1))" D360_SANDBOX_API_KEY="$DEMO_D360_API_KEY" \
        D360_SANDBOX_PHONE_NUMBER_ID="$DEMO_D360_PHONE_NUMBER_ID" \
        TWILIO_SANDBOX_PORT="$((SANDBOX_PORT + 2))" TWILIO_SANDBOX_ACCOUNT_SID="$DEMO_TWILIO_ACCOUNT_SID" \
        TWILIO_SANDBOX_AUTH_TOKEN="$DEMO_TWILIO_AUTH_TOKEN" TWILIO_SANDBOX_NUMBER="$DEMO_TWILIO_NUMBER" \
        TWILIO_SANDBOX_CALLBACK_URL="http://127.0.0.1:$NGINX_PORT/webhooks/twilio" TWILIO_SANDBOX_PUBLIC_URL="$TWILIO_SANDBOX_URL" \
        EVOLUTION_SANDBOX_PORT="$((SANDBOX_PORT + 3))" EVOLUTION_SANDBOX_API_KEY="$DEMO_EVOLUTION_API_KEY" \
        node packages/provider-sandbox/dist/main.js ;;
    nginx)
      spawn nginx "$NGINX_BIN" -p "$NGINX_PREFIX" -c "$NGINX_PREFIX/nginx.conf" -g "daemon off;" ;;
    *)
      service="${SERVICE_OF[$name]}" i="${INDEX_OF[$name]}"
      local env=(HTTP_PORT="$(http_port "$service" "$i")")
      [ -z "${GRPC_BASE[$service]+set}" ] || env+=(GRPC_PORT="$(grpc_port "$service" "$i")")
      # The gateway's health fan-out keeps its defaults: the first replica of each service.
      case "$service" in
        # The providers' fakes over plain http; PUBLIC_BASE_URL is where the BSP and Evolution are
        # told to post webhooks, and the URL Twilio's signatures are checked against.
        whatsapp-adapter) env+=(OFFICIAL_BASE_URL="$D360_SANDBOX_URL" TWILIO_API_BASE_URL="$TWILIO_SANDBOX_URL"
          EVOLUTION_ALLOWED_HOSTS=127.0.0.1 PROVIDER_ALLOW_HTTP=true PUBLIC_BASE_URL="http://127.0.0.1:$NGINX_PORT") ;;
        gateway) env+=(ADAPTER_GRPC_URL="$(grpc_target whatsapp-adapter)" ORCHESTRATOR_GRPC_URL="$(grpc_target bot-orchestrator)" ANALYTICS_GRPC_URL="$(grpc_target analytics-worker)") ;;
        # FLOW_TIMER_SCALE: the flows' follow-ups come sooner in the demo (15 min → 45 s by default).
        bot-orchestrator) env+=(ADAPTER_GRPC_URL="$(grpc_target whatsapp-adapter)" COMMERCE_GRPC_URL="$(grpc_target gateway)" FLOW_TIMER_SCALE="${FLOW_TIMER_SCALE:-0.05}") ;;
      esac
      spawn "$name" env "${env[@]}" node "services/$service/dist/main.js" ;;
  esac
}

# True while the process runs. bash reaps its children as they exit, so an exited one is gone
# (not a zombie) by the time this is asked again.
running() { [ -n "${PID_OF[$1]:-}" ] && kill -0 "${PID_OF[$1]}" 2>/dev/null; }

stop_processes() { # seconds name...: SIGTERM, wait up to the limit, then SIGKILL
  local limit="$1" name deadline pids=()
  shift
  for name in "$@"; do
    if running "$name"; then pids+=("${PID_OF[$name]}"); kill -TERM "${PID_OF[$name]}" 2>/dev/null || true; fi
  done
  deadline=$((SECONDS + limit))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        say "${NAME_OF[$pid]:-$pid} did not stop within $limit s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.1
    done
    wait "$pid" 2>/dev/null || true
  done
}

STOPPING=0
RESEED_PID="" # a seed run after the sandbox restarted, while it runs
stop_all() { # exit status
  local status="$1"
  [ "$STOPPING" -eq 0 ] || exit "$status"
  STOPPING=1
  # A second Ctrl-C must not cut the ordered stop short; each step is bounded anyway.
  trap '' INT TERM HUP
  trap - EXIT
  say "stopping the fleet"
  local timer
  for timer in "${!TIMER_OF[@]}"; do kill "$timer" 2>/dev/null || true; done
  [ -z "$RESEED_PID" ] || kill "$RESEED_PID" 2>/dev/null || true
  # Services first, while Redis still runs: they drain their work and acknowledge it there.
  stop_processes 20 "${REPLICAS[@]}"
  stop_processes 10 nginx provider-sandbox
  stop_processes 10 redis
  [ -z "${NGINX_PREFIX:-}" ] || rm -rf "$NGINX_PREFIX"
  say "stopped"
  exit "$status"
}
# bash itself reports a background process killed by a signal the script does not trap (a
# line with the spawn command); the supervision loop logs its own line instead. Trapping the
# signals that end a crashed process (KILL: kill -9 or the OOM killer; ABRT: node's fatal errors)
# silences that report; a handler on KILL never runs, since KILL cannot be caught.
trap : KILL ABRT
trap 'stop_all 130' INT
trap 'stop_all 143' TERM
trap 'stop_all 129' HUP
trap 'stop_all $?' EXIT

# nginx's workers run as an unprivileged user (nobody, when the demo runs as root): they cannot
# enter a private checkout (e.g. a clone under /root, mode 0700). Their prefix (temp files) and a
# copy of the static files live in a world-readable directory outside it; the logs stay in
# .run/logs/nginx, since the master opens them.
NGINX_PREFIX="$(mktemp -d "${TMPDIR:-/tmp}/fleet-demo-nginx.XXXXXX")"
chmod 755 "$NGINX_PREFIX"
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
nginx_args=(--out "$NGINX_PREFIX/nginx.conf" --listen "127.0.0.1:$NGINX_PORT" --copy-static --log-dir "$RUN_DIR/logs/nginx")
# The dashboard built above is the static root; nginx/static only if its build is missing.
if [ -f packages/dashboard/dist/index.html ]; then
  nginx_args+=(--static-root packages/dashboard/dist)
else
  log "packages/dashboard/dist is missing: serving nginx/static at /"
fi
for name in "${REPLICAS[@]}"; do
  service="${SERVICE_OF[$name]}" i="${INDEX_OF[$name]}"
  case "$service" in
    gateway) nginx_args+=(--gateway "127.0.0.1:$(http_port gateway "$i")") ;;
    whatsapp-adapter) nginx_args+=(--adapter "127.0.0.1:$(http_port whatsapp-adapter "$i")") ;;
  esac
done
nginx/render.sh "${nginx_args[@]}"

wait_http() { # url name: waits until the URL answers 2xx; fails early when the process exits
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$1" && return 0
    if ! running "$2"; then log "$2 exited while starting; see .run/logs/$2.log"; return 1; fi
    sleep 0.1
  done
  log "$1 did not answer within 30 s; see .run/logs/$2.log"; return 1
}

for name in redis provider-sandbox nginx "${REPLICAS[@]}"; do : > "$RUN_DIR/logs/$name.log"; done

launch redis
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
launch provider-sandbox
for name in "${REPLICAS[@]}"; do launch "$name"; done
launch nginx

for name in "${REPLICAS[@]}"; do wait_http "http://127.0.0.1:$(http_port "${SERVICE_OF[$name]}" "${INDEX_OF[$name]}")/health" "$name"; done
SANDBOX_HEALTH=("http://127.0.0.1:$SANDBOX_PORT/_sandbox/health" "$D360_SANDBOX_URL/_sandbox/d360/health"
  "$TWILIO_SANDBOX_URL/_sandbox/twilio/health" "$DEMO_EVOLUTION_BASE_URL/_sandbox/evolution/health")
for url in "${SANDBOX_HEALTH[@]}"; do wait_http "$url" provider-sandbox; done
wait_http "http://127.0.0.1:$NGINX_PORT/" nginx

log "seeding the demo bot on provider $PROVIDER"
seed="$(node scripts/seed-demo.mjs)"
log "seeded: $seed"
# What ./scripts/demo-message.sh talks to.
echo "$PROVIDER" > "$RUN_DIR/provider"

# The 360dialog fake's webhook configuration and the Evolution fake's instances live in the
# sandbox's memory: when the sandbox is restarted, the demo bot is set up on it again.
reseed() {
  case "$PROVIDER" in official | evolution) ;; *) return 0 ;; esac
  (
    for url in "${SANDBOX_HEALTH[@]}"; do wait_http "$url" provider-sandbox || exit 1; done
    node scripts/seed-demo.mjs > /dev/null && say "set the demo bot up again on the restarted sandbox"
  ) &
  RESEED_PID=$!
}

case "$PROVIDER" in
  meta)
    provider_about="the local Cloud API fake (http://127.0.0.1:$SANDBOX_PORT) as number $DEMO_PHONE_NUMBER_ID"
    provider_how="the fake signs a real Cloud API webhook and posts it to nginx"
    customer_url="http://127.0.0.1:$SANDBOX_PORT/_sandbox/customer/messages"
    customer_body="{\"phone_number_id\":\"$DEMO_PHONE_NUMBER_ID\",\"from\":\"5215512345678\",\"name\":\"Ana\",\"text\":\"Hola\"}"
    replies_url="http://127.0.0.1:$SANDBOX_PORT/_sandbox/messages?to=5215512345678" ;;
  official)
    provider_about="the local 360dialog-style BSP fake ($D360_SANDBOX_URL) as number $DEMO_D360_PHONE_NUMBER_ID"
    provider_how="the fake posts a Cloud API webhook to the URL the adapter registered with it"
    customer_url="$D360_SANDBOX_URL/_sandbox/d360/customer/messages"
    customer_body="{\"phone_number_id\":\"$DEMO_D360_PHONE_NUMBER_ID\",\"from\":\"5215512345678\",\"name\":\"Ana\",\"text\":\"Hola\"}"
    replies_url="$D360_SANDBOX_URL/_sandbox/d360/messages?to=5215512345678" ;;
  twilio)
    provider_about="the local Twilio fake ($TWILIO_SANDBOX_URL) as WhatsApp sender $DEMO_TWILIO_NUMBER"
    provider_how="the fake posts a form webhook signed with X-Twilio-Signature to nginx"
    customer_url="$TWILIO_SANDBOX_URL/_sandbox/twilio/customer/messages"
    customer_body="{\"from\":\"+5215512345678\",\"to\":\"$DEMO_TWILIO_NUMBER\",\"profile_name\":\"Ana\",\"body\":\"Hola\"}"
    replies_url="$TWILIO_SANDBOX_URL/_sandbox/twilio/messages?to=5215512345678" ;;
  evolution)
    provider_about="the local Evolution API fake ($DEMO_EVOLUTION_BASE_URL) as instance demo-shop, linked as the shop owner's phone"
    provider_how="the instance posts a messages.upsert webhook to the URL the adapter gave it"
    customer_url="$DEMO_EVOLUTION_BASE_URL/_sandbox/evolution/customer/messages"
    customer_body="{\"instance\":\"demo-shop\",\"from\":\"5215512345678\",\"pushName\":\"Ana\",\"text\":\"Hola\"}"
    replies_url="$DEMO_EVOLUTION_BASE_URL/_sandbox/evolution/messages?instance=demo-shop&outcome=accepted" ;;
esac

replica_lines="$(for name in "${REPLICAS[@]}"; do
  service="${SERVICE_OF[$name]}" i="${INDEX_OF[$name]}"
  printf '  %-20s HTTP %s%s\n' "$name" "$(http_port "$service" "$i")" "$([ -z "${GRPC_BASE[$service]+set}" ] || echo "  gRPC $(grpc_port "$service" "$i")")"
done)"

cat <<INFO

The fleet is running behind nginx at http://127.0.0.1:$NGINX_PORT (logs in .run/logs/).
$replica_lines
The demo bot "Demo Shop" is connected to $provider_about.

(a) Send the bot a message as a customer ($provider_how):
    ./scripts/demo-message.sh "hola"      # the shop's default flows answer: greeting and menu
    ./scripts/demo-message.sh "2"         # a menu option by its number (or "catálogo", "2️⃣")
    Waits and follow-ups last FLOW_TIMER_SCALE=${FLOW_TIMER_SCALE:-0.05} of their real time (15 min → 45 s).
    # or: curl -s -X POST $customer_url -H 'content-type: application/json' \\
    #       -d '$customer_body'

(b) See the bot's reply, as the fake received it:
    curl -s '$replies_url'

Fleet health:       curl -s http://127.0.0.1:$NGINX_PORT/api/health
Dashboard:          http://127.0.0.1:$NGINX_PORT/ (in a browser on this machine)
Dashboard login:    owner@demo.shop, password in .run/local.env (DEMO_OWNER_PASSWORD)
                    curl -s -X POST http://127.0.0.1:$NGINX_PORT/api/auth/login -H 'content-type: application/json' \\
                      -d "{\\"email\\":\\"owner@demo.shop\\",\\"password\\":\\"\$(grep DEMO_OWNER_PASSWORD .run/local.env | cut -d= -f2)\\"}"
A process that exits is restarted. Press Ctrl-C to stop.
INFO

# Supervision: wait for any child (a process of the demo or a restart timer) to exit.
while :; do
  exited="" status=0
  wait -n -p exited || status=$?
  if [ -z "$exited" ]; then sleep 1; continue; fi
  if [ -n "${TIMER_OF[$exited]:-}" ]; then
    name="${TIMER_OF[$exited]}"
    unset 'TIMER_OF[$exited]'
    launch "$name"
    [ "$name" != provider-sandbox ] || reseed
    continue
  fi
  name="${NAME_OF[$exited]:-}"
  unset 'NAME_OF[$exited]'
  if [ -z "$name" ] || [ "${PID_OF[$name]:-}" != "$exited" ]; then continue; fi
  unset 'PID_OF[$name]'
  # Backoff like compose's restart policy: a process that ran 10 s or more starts over at 1 s.
  if [ $((SECONDS - ${STARTED_AT[$name]})) -ge 10 ]; then
    DELAY[$name]=1
  else
    delay=$((${DELAY[$name]:-0} * 2))
    DELAY[$name]=$((delay < 1 ? 1 : delay > 30 ? 30 : delay))
  fi
  say "restarting $name (exited with code $status)"
  sleep "${DELAY[$name]}" &
  TIMER_OF[$!]="$name"
done
