# Sourced by the test and run scripts: makes sure the machine has what the
# fleet needs (pnpm, dependencies, Postgres, Redis, promtool, nginx, kubectl, chromium), installing
# from Debian's packages and the npm registry when something is missing.
# Idempotent: on a ready machine it only checks.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PNPM_VERSION="$(node -p "require('$ROOT/package.json').packageManager.split('@')[1]")"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  log "installing $* from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_pnpm() {
  if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
    log "installing pnpm $PNPM_VERSION"
    npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1
  fi
}

ensure_dependencies() {
  ensure_pnpm
  (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=silent)
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
    # A fresh cluster asks for passwords on TCP; the local test/dev fleet uses trust on loopback only.
    hba="$(ls /etc/postgresql/*/main/pg_hba.conf | head -n1)"
    as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  log "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 0.2; done
  log "PostgreSQL did not start"; return 1
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return; sleep 0.2; done
  log "Redis did not start"; return 1
}

ensure_promtool() { command -v promtool >/dev/null 2>&1 || apt_install prometheus; }
ensure_nginx() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || apt_install nginx; }
# kubectl renders the Kubernetes manifests (`kubectl kustomize`, deploy/test/k8s.test.ts); no cluster is
# needed. The machines ship a current kubectl (Kustomize v5); Debian 12's kubernetes-client (1.20,
# Kustomize v2) is only the fallback, and the test names the version it needs when it is too old.
ensure_kubectl() { command -v kubectl >/dev/null 2>&1 || apt_install kubernetes-client; }
# Chromium drives the dashboard's real-browser tests (packages/e2e/test/dashboard*.e2e.test.ts).
ensure_chromium() { [ -x /usr/bin/chromium ] || apt_install chromium; }
