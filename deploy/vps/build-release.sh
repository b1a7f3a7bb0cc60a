#!/usr/bin/env bash
# Assembles a release of the fleet for a single machine from a built checkout: every service with
# its production dependencies only (`pnpm deploy`, as deploy/Dockerfile does), every migration,
# scripts/migrate.mjs and the deploy files the units run. The tree mirrors the repository, so the
# commands are the local run's (`node services/<name>/dist/main.js`, `node scripts/migrate.mjs`).
#
#   pnpm install --frozen-lockfile && pnpm run build    first, in the checkout
#   deploy/vps/build-release.sh OUT_DIR                 OUT_DIR must not exist (or be empty)
#
# The last line printed is the release id: a hash of the release's own files (not of
# node_modules), so the same build gives the same id and install.sh can skip copying it again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVICES=(gateway whatsapp-adapter bot-orchestrator analytics-worker)

die() { printf 'build-release: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: build-release.sh OUT_DIR"
OUT="$1"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT")" ]; then die "$OUT exists and is not empty"; fi
command -v pnpm >/dev/null 2>&1 || die "pnpm is not installed (npm install --global pnpm)"
for service in "${SERVICES[@]}"; do
  [ -f "$ROOT/services/$service/dist/main.js" ] \
    || die "services/$service is not built: run pnpm install --frozen-lockfile && pnpm run build in $ROOT"
done

mkdir -p "$OUT/scripts" "$OUT/deploy"
OUT="$(cd "$OUT" && pwd)"
for service in "${SERVICES[@]}"; do
  target="$OUT/services/$service"
  # See deploy/Dockerfile for why inject-workspace-packages is set for this command only.
  # --prefer-offline: the checkout's `pnpm install` filled the store already.
  (cd "$ROOT" && pnpm --filter "@fleet/$service" --prod --prefer-offline --silent \
    --config.inject-workspace-packages=true deploy "$target") >/dev/null
  # What the service runs: dist, production node_modules, package.json, migrations.
  find "$target" -mindepth 1 -maxdepth 1 \
    ! -name dist ! -name node_modules ! -name package.json ! -name migrations ! -name pnpm-lock.yaml \
    -exec rm -rf {} +
done
cp "$ROOT/scripts/migrate.mjs" "$OUT/scripts/"
# scripts/migrate.mjs imports @fleet/service-kit: the gateway's node_modules has it.
ln -s services/gateway/node_modules "$OUT/node_modules"
cp "$ROOT/deploy/healthcheck.mjs" "$OUT/deploy/"
for dir in backup systemd redis vps; do cp -R "$ROOT/deploy/$dir" "$OUT/deploy/"; done

# The release id: every file outside node_modules (code, migrations, lockfiles, deploy files).
id="$(cd "$OUT" && find . -path '*/node_modules' -prune -o -type f -print0 | LC_ALL=C sort -z \
  | xargs -0 sha256sum | sha256sum | cut -c1-12)"
printf '%s\n' "$id" > "$OUT/RELEASE"
printf '%s\n' "$id"
