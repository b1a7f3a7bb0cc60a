#!/usr/bin/env bash
# Renders nginx/nginx.conf.template into a complete nginx main config for one deployment (the
# local run, the end-to-end harness or compose). Plain sed rather than envsubst, so nginx's own
# $variables stay intact.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="$here/nginx.conf.template"

usage() {
  cat >&2 <<'USAGE'
usage: nginx/render.sh --out FILE --listen [IPV4:]PORT --gateway HOST:PORT --adapter HOST:PORT
                       [--static-root DIR] [--copy-static] [--log-dir DIR] [--resolver IPV4] [--stdio-logs]
  --out          file to write (its directory is created)
  --listen       where nginx listens, e.g. 127.0.0.1:8080 (local) or 8080 (container)
  --gateway      gateway HTTP address; --adapter: whatsapp-adapter HTTP address. Repeat either
                 to put several replicas behind one upstream group (requests go round robin;
                 a webhook whose replica is unreachable is retried on the next one)
  --static-root  directory served at / (default: nginx/static beside this script)
  --copy-static  serve a world-readable copy of the static root, made in DIR/static beside
                 --out: nginx's workers run as an unprivileged user (nobody when nginx starts
                 as root) and cannot read files inside a private checkout (mode 0700); DIR
                 must be reachable by other users (e.g. a directory under /tmp)
  --log-dir      directory of access.log and error.log (opened by the nginx master, so it may
                 be private); default: the nginx prefix (nginx -p DIR)
  --resolver     DNS server for upstream names, asked again at request time (compose: 127.0.0.11);
                 without it, --gateway and --adapter must be IPv4 literals; with it, give one
                 name each (the name resolves to every replica)
  --stdio-logs   access log to /dev/stdout, error log to stderr (containers)
USAGE
  exit 2
}

die() {
  echo "render.sh: $*" >&2
  exit 2
}

out="" listen="" static_root="$here/static" resolver="" stdio_logs=0 copy_static=0 log_dir=""
gateways=() adapters=()
while [ $# -gt 0 ]; do
  case "$1" in --out | --listen | --gateway | --adapter | --static-root | --resolver | --log-dir)
    [ $# -ge 2 ] || die "$1 needs a value" ;;
  esac
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --listen) listen="$2"; shift 2 ;;
    --gateway) gateways+=("$2"); shift 2 ;;
    --adapter) adapters+=("$2"); shift 2 ;;
    --static-root) static_root="$2"; shift 2 ;;
    --copy-static) copy_static=1; shift ;;
    --log-dir) log_dir="$2"; shift 2 ;;
    --resolver) resolver="$2"; shift 2 ;;
    --stdio-logs) stdio_logs=1; shift ;;
    -h | --help) usage ;;
    *) echo "render.sh: unknown argument: $1" >&2; usage ;;
  esac
done
if [ -z "$out" ] || [ -z "$listen" ] || [ "${#gateways[@]}" -eq 0 ] || [ "${#adapters[@]}" -eq 0 ]; then usage; fi
if [ "$stdio_logs" -eq 1 ] && [ -n "$log_dir" ]; then die "--stdio-logs and --log-dir exclude each other"; fi

ipv4='([0-9]{1,3}\.){3}[0-9]{1,3}'
port='[0-9]{1,5}'
[[ "$listen" =~ ^($ipv4:)?$port$ ]] || die "--listen must be PORT or IPV4:PORT, got '$listen'"
for upstream in "${gateways[@]}" "${adapters[@]}"; do
  [[ "$upstream" =~ ^[A-Za-z0-9._-]+:$port$ ]] || die "upstreams must be HOST:PORT, got '$upstream'"
  if [ -z "$resolver" ] && ! [[ "$upstream" =~ ^$ipv4:$port$ ]]; then
    die "'$upstream' is a host name: pass --resolver (nginx resolves names in variables at request time)"
  fi
done
if [ -n "$resolver" ]; then
  [[ "$resolver" =~ ^$ipv4$ ]] || die "--resolver must be an IPv4 address, got '$resolver'"
  # nginx resolves the one name to every replica's address at request time.
  [ "${#gateways[@]}" -eq 1 ] && [ "${#adapters[@]}" -eq 1 ] || die "with --resolver, give one --gateway and one --adapter (a name that resolves to every replica)"
fi
[ -d "$static_root" ] || die "static root '$static_root' is not a directory"
static_root="$(cd "$static_root" && pwd)"

# Checked rather than escaped: paths land unquoted in nginx syntax and in a sed replacement.
safe_path() { # what path
  [[ "$2" =~ ^/[A-Za-z0-9._/+@-]*$ ]] || die "$1 path has unsupported characters: '$2'"
}

# True when a process of another user can reach DIR (every directory on the way is o+x).
reachable_by_others() { # dir
  local dir="$1" mode
  while :; do
    mode="$(stat -c %a "$dir")" || return 1
    (( 8#$mode & 1 )) || { echo "$dir"; return 1; }
    [ "$dir" = / ] && return 0
    dir="$(dirname "$dir")"
  done
}

mkdir -p "$(dirname "$out")"
out_dir="$(cd "$(dirname "$out")" && pwd)"
if [ "$copy_static" -eq 1 ]; then
  if [ "$(id -u)" -eq 0 ] && ! blocked="$(reachable_by_others "$out_dir")"; then
    die "nginx's workers (user nobody) could not reach '$out_dir': '$blocked' is closed to other users; put --out in a directory they can enter (e.g. mktemp -d, then chmod 755)"
  fi
  staged="$out_dir/static"
  safe_path "staged static root" "$staged"
  if [ "$static_root" != "$staged" ]; then
    rm -rf "$staged"
    cp -R "$static_root" "$staged"
  fi
  # Whatever the umask of the caller: the workers read these files as another user.
  chmod -R u=rwX,go=rX "$staged"
  static_root="$staged"
fi
safe_path "static root" "$static_root"

if [ -n "$resolver" ]; then
  resolver_line="resolver $resolver valid=10s ipv6=off; resolver_timeout 5s;"
  gateway_target="${gateways[0]}" adapter_target="${adapters[0]}"
else
  # Fixed addresses: named upstream groups with a keep-alive pool, so nginx does not open a
  # new connection to a service for every request (a large share of the adapter's CPU under load).
  servers() { printf 'server %s; ' "$@"; }
  resolver_line="upstream fleet_gateway { $(servers "${gateways[@]}")keepalive 32; } upstream fleet_adapter { $(servers "${adapters[@]}")keepalive 64; }"
  gateway_target="fleet_gateway" adapter_target="fleet_adapter"
fi
if [ "$stdio_logs" -eq 1 ]; then
  access_log="/dev/stdout" error_log="stderr"
elif [ -n "$log_dir" ]; then
  mkdir -p "$log_dir"
  log_dir="$(cd "$log_dir" && pwd)"
  safe_path "log directory" "$log_dir"
  access_log="$log_dir/access.log" error_log="$log_dir/error.log"
else
  access_log="access.log" error_log="error.log"
fi

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
sed \
  -e "s|__LISTEN__|$listen|g" \
  -e "s|__GATEWAY__|$gateway_target|g" \
  -e "s|__ADAPTER__|$adapter_target|g" \
  -e "s|__STATIC_ROOT__|$static_root|g" \
  -e "s|__RESOLVER__|$resolver_line|g" \
  -e "s|__ACCESS_LOG__|$access_log|g" \
  -e "s|__ERROR_LOG__|$error_log|g" \
  "$template" > "$tmp"
if grep -n '__[A-Z_]*__' "$tmp" >&2; then
  die "placeholders left unrendered (template and render.sh disagree)"
fi
mv "$tmp" "$out"
trap - EXIT
