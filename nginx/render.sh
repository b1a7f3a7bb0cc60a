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
                       [--tls-listen [IPV4:]PORT --tls-cert FILE --tls-key FILE [--https-port PORT]]
                       [--acme-root DIR] [--canary-gateway HOST:PORT --canary-percent N]
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
HTTPS (all three, or none: then plain HTTP only, as in the local demo):
  --tls-listen   where HTTPS listens (HTTP/2, TLS 1.2 and 1.3), e.g. 8443; ignored without a
                 certificate, so a deployment can always pass it
  --tls-cert     certificate chain, PEM (default: $TLS_CERT_FILE); --tls-key: its private key
                 (default: $TLS_KEY_FILE). The nginx master reads both before it drops
                 privileges: they may stay private (mode 0600, in a private directory)
  --https-port   the port clients reach HTTPS on, used in the HTTP → HTTPS redirect (default:
                 $TLS_PUBLIC_PORT, else the --tls-listen port); 443 leaves it out of the URL
  With HTTPS, plain HTTP answers 308 to https:// for every path except /webhooks/* (providers
  do not follow redirects; their signatures authenticate the body) and the ACME challenge.
  --acme-root    directory served at /.well-known/acme-challenge/ over HTTP and HTTPS (certbot
                 certonly --webroot -w DIR); nginx's workers must be able to read it
Canary (a new gateway version for a share of the clients, sticky by client address):
  --canary-gateway  canary gateway address (repeatable, like --gateway)
  --canary-percent  share of clients whose /api and /ws go to the canary, 0-100 with up to two
                 decimals (default: $CANARY_PERCENT, else 0); 0 is off: everything on --gateway.
                 Rollback: render again with 0 and `nginx -s reload` (no request is lost)
USAGE
  exit 2
}

die() {
  echo "render.sh: $*" >&2
  exit 2
}

out="" listen="" static_root="$here/static" resolver="" stdio_logs=0 copy_static=0 log_dir=""
tls_listen="" tls_cert="${TLS_CERT_FILE:-}" tls_key="${TLS_KEY_FILE:-}" https_port="${TLS_PUBLIC_PORT:-}" acme_root=""
canary_percent="${CANARY_PERCENT:-0}"
gateways=() adapters=() canaries=()
while [ $# -gt 0 ]; do
  case "$1" in --out | --listen | --gateway | --adapter | --static-root | --resolver | --log-dir | \
    --tls-listen | --tls-cert | --tls-key | --https-port | --acme-root | --canary-gateway | --canary-percent)
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
    --tls-listen) tls_listen="$2"; shift 2 ;;
    --tls-cert) tls_cert="$2"; shift 2 ;;
    --tls-key) tls_key="$2"; shift 2 ;;
    --https-port) https_port="$2"; shift 2 ;;
    --acme-root) acme_root="$2"; shift 2 ;;
    --canary-gateway) canaries+=("$2"); shift 2 ;;
    --canary-percent) canary_percent="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "render.sh: unknown argument: $1" >&2; usage ;;
  esac
done
if [ -z "$out" ] || [ -z "$listen" ] || [ "${#gateways[@]}" -eq 0 ] || [ "${#adapters[@]}" -eq 0 ]; then usage; fi
if [ "$stdio_logs" -eq 1 ] && [ -n "$log_dir" ]; then die "--stdio-logs and --log-dir exclude each other"; fi

ipv4='([0-9]{1,3}\.){3}[0-9]{1,3}'
port='[0-9]{1,5}'
[[ "$listen" =~ ^($ipv4:)?$port$ ]] || die "--listen must be PORT or IPV4:PORT, got '$listen'"
for upstream in "${gateways[@]}" "${adapters[@]}" "${canaries[@]}"; do
  [[ "$upstream" =~ ^[A-Za-z0-9._-]+:$port$ ]] || die "upstreams must be HOST:PORT, got '$upstream'"
  if [ -z "$resolver" ] && ! [[ "$upstream" =~ ^$ipv4:$port$ ]]; then
    die "'$upstream' is a host name: pass --resolver (nginx resolves names in variables at request time)"
  fi
done
if [ -n "$resolver" ]; then
  [[ "$resolver" =~ ^$ipv4$ ]] || die "--resolver must be an IPv4 address, got '$resolver'"
  # nginx resolves the one name to every replica's address at request time.
  [ "${#gateways[@]}" -eq 1 ] && [ "${#adapters[@]}" -eq 1 ] && [ "${#canaries[@]}" -le 1 ] || die "with --resolver, give one --gateway and one --adapter (a name that resolves to every replica), and at most one --canary-gateway"
fi

# Canary: a share in percent with at most two decimals (split_clients' precision), 0 to 100.
[[ "$canary_percent" =~ ^[0-9]{1,3}(\.[0-9]{1,2})?$ ]] && awk -v p="$canary_percent" 'BEGIN { exit !(p <= 100) }' \
  || die "--canary-percent must be a number from 0 to 100 with at most two decimals, got '$canary_percent'"
canary_on=0
if awk -v p="$canary_percent" 'BEGIN { exit !(p > 0) }'; then
  [ "${#canaries[@]}" -gt 0 ] || die "--canary-percent $canary_percent needs a --canary-gateway"
  canary_on=1
fi

# HTTPS: a certificate and its key together, or neither.
tls_on=0
if [ -n "$tls_cert" ] || [ -n "$tls_key" ]; then
  [ -n "$tls_cert" ] && [ -n "$tls_key" ] || die "HTTPS needs both a certificate and a key (--tls-cert/TLS_CERT_FILE and --tls-key/TLS_KEY_FILE)"
  [ -n "$tls_listen" ] || die "a certificate needs --tls-listen (where HTTPS listens)"
  [[ "$tls_listen" =~ ^($ipv4:)?$port$ ]] || die "--tls-listen must be PORT or IPV4:PORT, got '$tls_listen'"
  [ "${tls_listen##*:}" != "${listen##*:}" ] || die "--tls-listen and --listen need different ports"
  for file in "$tls_cert" "$tls_key"; do [ -r "$file" ] || die "cannot read '$file' (HTTPS certificate or key)"; done
  https_port="${https_port:-${tls_listen##*:}}"
  [[ "$https_port" =~ ^$port$ ]] || die "--https-port must be a port number, got '$https_port'"
  tls_on=1
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
if [ -n "$acme_root" ]; then
  safe_path "ACME root" "$acme_root"
  # Checked when it exists already (a volume mounted later, or certbot creating it, is fine).
  if [ -d "$acme_root" ] && [ "$(id -u)" -eq 0 ] && ! blocked="$(reachable_by_others "$acme_root")"; then
    die "nginx's workers (user nobody) could not read the ACME root '$acme_root': '$blocked' is closed to other users"
  fi
fi
if [ "$tls_on" -eq 1 ]; then
  tls_cert="$(cd "$(dirname "$tls_cert")" && pwd)/$(basename "$tls_cert")"
  tls_key="$(cd "$(dirname "$tls_key")" && pwd)/$(basename "$tls_key")"
  safe_path "certificate" "$tls_cert"
  safe_path "certificate key" "$tls_key"
fi

if [ -n "$resolver" ]; then
  resolver_line="resolver $resolver valid=10s ipv6=off; resolver_timeout 5s;"
  gateway_target="${gateways[0]}" adapter_target="${adapters[0]}" canary_target="${canaries[0]:-}"
else
  # Fixed addresses: named upstream groups with a keep-alive pool, so nginx does not open a
  # new connection to a service for every request (a large share of the adapter's CPU under load).
  servers() { printf 'server %s; ' "$@"; }
  resolver_line="upstream fleet_gateway { $(servers "${gateways[@]}")keepalive 32; } upstream fleet_adapter { $(servers "${adapters[@]}")keepalive 64; }"
  gateway_target="fleet_gateway" adapter_target="fleet_adapter" canary_target="fleet_gateway_canary"
  if [ "$canary_on" -eq 1 ]; then
    resolver_line="$resolver_line upstream fleet_gateway_canary { $(servers "${canaries[@]}")keepalive 32; }"
  fi
fi

# Multi-line pieces: "\n" becomes a line break in sed's replacement (GNU sed).
canary_block="    # Canary off (--canary-percent 0): every client on the stable gateway."
if [ "$canary_on" -eq 1 ]; then
  if awk -v p="$canary_percent" 'BEGIN { exit !(p >= 100) }'; then
    split="* $canary_target;"
  else
    split="${canary_percent}% $canary_target; * $gateway_target;"
  fi
  # Keyed by the client address: sticky for browsers, API scripts and WebSockets alike, no
  # cookie needed. Behind a load balancer, configure real_ip first, or every client shares one.
  canary_block="    # Canary: ${canary_percent}% of client addresses on the canary gateway, the rest on the stable one.\n    split_clients \"\$remote_addr\" \$fleet_gateway_target { $split }"
  gateway_target='$fleet_gateway_target'
fi

tls_settings="" tls_listen_block="" https_redirect="" acme_block=""
if [ -n "$acme_root" ]; then
  acme_block="        # ACME HTTP-01 challenges (certbot --webroot): plain files, never redirected.\n        location ^~ /.well-known/acme-challenge/ {\n            root $acme_root;\n            default_type text/plain;\n            try_files \$uri =404;\n        }"
fi
if [ "$tls_on" -eq 1 ]; then
  ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
  tls_settings="    # HTTPS: Mozilla's intermediate profile (TLS 1.2 and 1.3, forward-secret AEAD ciphers).\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers $ciphers;\n    ssl_prefer_server_ciphers off;\n    ssl_session_cache shared:fleet_tls:10m;\n    ssl_session_timeout 1d;\n    ssl_session_tickets off;"
  # nginx 1.25.1 replaced `listen ... http2` with the `http2` directive (the old form still works
  # there, with a warning); the version is that of the nginx beside this script, e.g. in the image.
  version="$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9][0-9.]*\).*|\1|p' || true)"
  if [ -n "$version" ] && [ "$(printf '%s\n' 1.25.1 "$version" | sort -V | head -n1)" = 1.25.1 ]; then
    tls_listen_block="        listen $tls_listen ssl;\n        http2 on;"
  else
    tls_listen_block="        listen $tls_listen ssl http2;"
  fi
  tls_listen_block="$tls_listen_block\n        ssl_certificate $tls_cert;\n        ssl_certificate_key $tls_key;"
  if [ "$https_port" = 443 ]; then origin='https://$host'; else origin="https://\$host:$https_port"; fi
  # Plain HTTP goes to HTTPS, except what must work over HTTP: the ACME challenge (the CA asks
  # over HTTP before a certificate exists) and the provider webhooks (they do not follow
  # redirects; a 3xx is a failed delivery; their signatures authenticate the body anyway).
  # 308 keeps the method and body. Checked at server level, before any location is chosen.
  https_redirect="        if (\$fleet_to_https) {\n            return 308 $origin\$request_uri;\n        }"
  # (Regexes are tried in order; no `|` in them: it is the sed delimiter below.)
  tls_settings="$tls_settings\n    map \"\$scheme:\$uri\" \$fleet_to_https {\n        \"~^http:/webhooks/\" 0;\n        \"~^http:/[.]well-known/acme-challenge/\" 0;\n        \"~^http:\" 1;\n        default 0;\n    }"
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
  -e "s|__TLS_SETTINGS__|$tls_settings|g" \
  -e "s|__CANARY__|$canary_block|g" \
  -e "s|__TLS_LISTEN__|$tls_listen_block|g" \
  -e "s|__HTTPS_REDIRECT__|$https_redirect|g" \
  -e "s|__ACME__|$acme_block|g" \
  "$template" > "$tmp"
if grep -n '__[A-Z_]*__' "$tmp" >&2; then
  die "placeholders left unrendered (template and render.sh disagree)"
fi
mv "$tmp" "$out"
trap - EXIT
