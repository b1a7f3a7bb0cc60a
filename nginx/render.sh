#!/usr/bin/env bash
# Renders nginx/nginx.conf.template into a complete nginx main config for one deployment (the
# local run or compose). Plain sed rather than envsubst, so nginx's own $variables stay intact.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="$here/nginx.conf.template"

usage() {
  cat >&2 <<'USAGE'
usage: nginx/render.sh --out FILE --listen [IPV4:]PORT --gateway HOST:PORT --adapter HOST:PORT
                       [--static-root DIR] [--resolver IPV4] [--stdio-logs]
  --out          file to write (its directory is created)
  --listen       where nginx listens, e.g. 127.0.0.1:8080 (local) or 8080 (container)
  --gateway      gateway HTTP address; --adapter: whatsapp-adapter HTTP address
  --static-root  directory served at / (default: nginx/static beside this script)
  --resolver     DNS server for upstream names, asked again at request time (compose: 127.0.0.11);
                 without it, --gateway and --adapter must be IPv4 literals
  --stdio-logs   access log to /dev/stdout, error log to stderr (containers); by default
                 access.log and error.log are files in the nginx prefix (nginx -p DIR)
USAGE
  exit 2
}

die() {
  echo "render.sh: $*" >&2
  exit 2
}

out="" listen="" gateway="" adapter="" static_root="$here/static" resolver="" stdio_logs=0
while [ $# -gt 0 ]; do
  case "$1" in --out | --listen | --gateway | --adapter | --static-root | --resolver)
    [ $# -ge 2 ] || die "$1 needs a value" ;;
  esac
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --listen) listen="$2"; shift 2 ;;
    --gateway) gateway="$2"; shift 2 ;;
    --adapter) adapter="$2"; shift 2 ;;
    --static-root) static_root="$2"; shift 2 ;;
    --resolver) resolver="$2"; shift 2 ;;
    --stdio-logs) stdio_logs=1; shift ;;
    -h | --help) usage ;;
    *) echo "render.sh: unknown argument: $1" >&2; usage ;;
  esac
done
if [ -z "$out" ] || [ -z "$listen" ] || [ -z "$gateway" ] || [ -z "$adapter" ]; then usage; fi

ipv4='([0-9]{1,3}\.){3}[0-9]{1,3}'
port='[0-9]{1,5}'
[[ "$listen" =~ ^($ipv4:)?$port$ ]] || die "--listen must be PORT or IPV4:PORT, got '$listen'"
for upstream in "$gateway" "$adapter"; do
  [[ "$upstream" =~ ^[A-Za-z0-9._-]+:$port$ ]] || die "upstreams must be HOST:PORT, got '$upstream'"
  if [ -z "$resolver" ] && ! [[ "$upstream" =~ ^$ipv4:$port$ ]]; then
    die "'$upstream' is a host name: pass --resolver (nginx resolves names in variables at request time)"
  fi
done
if [ -n "$resolver" ] && ! [[ "$resolver" =~ ^$ipv4$ ]]; then die "--resolver must be an IPv4 address, got '$resolver'"; fi
[ -d "$static_root" ] || die "static root '$static_root' is not a directory"
static_root="$(cd "$static_root" && pwd)"
# Checked rather than escaped: the path lands unquoted in nginx syntax and in a sed replacement.
[[ "$static_root" =~ ^/[A-Za-z0-9._/+@-]*$ ]] || die "static root path has unsupported characters: '$static_root'"

if [ -n "$resolver" ]; then
  resolver_line="resolver $resolver valid=10s ipv6=off; resolver_timeout 5s;"
  gateway_target="$gateway" adapter_target="$adapter"
else
  # Fixed addresses: named upstream groups with a keep-alive pool, so nginx does not open a
  # new connection to a service for every request (a large share of the adapter's CPU under load).
  resolver_line="upstream fleet_gateway { server $gateway; keepalive 32; } upstream fleet_adapter { server $adapter; keepalive 64; }"
  gateway_target="fleet_gateway" adapter_target="fleet_adapter"
fi
if [ "$stdio_logs" -eq 1 ]; then
  access_log="/dev/stdout" error_log="stderr"
else
  access_log="access.log" error_log="error.log"
fi

mkdir -p "$(dirname "$out")"
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
