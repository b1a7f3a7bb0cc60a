#!/usr/bin/env bash
# One backup of the fleet's data into BACKUP_DIR/<UTC date and time>/:
#   <schema>.pgdump    pg_dump custom format, one per Postgres schema (each service owns one), with
#                      the extensions that live in that schema (the gateway's pg_trgm, unaccent, ...)
#   mongo.archive.gz   mongodump of MONGO_DB when MONGO_URL is set (the analytics logs)
#   MANIFEST, SHA256SUMS  what is in it; restore.sh checks the sums before restoring
# The directory appears only complete (written as .partial-*, renamed at the end). Then
# BACKUP_DIR/last-success gets the time (Unix seconds) for the backup alert, and dated directories
# older than BACKUP_RETENTION_DAYS are deleted. Any failure exits non-zero and leaves last-success
# and the older backups alone.
#
# Environment (/etc/fleet/backup.env under systemd; deploy/backup/README.md):
#   DATABASE_URL (required), BACKUP_DIR (/var/backups/fleet), BACKUP_RETENTION_DAYS (14),
#   BACKUP_SCHEMAS (empty: every non-system schema but an empty `public`), MONGO_URL, MONGO_DB
#   (fleet_analytics), BACKUP_METRICS_FILE (node_exporter textfile; empty: none)
set -euo pipefail
# Backups hold every tenant's data: readable by the backup user only.
umask 077

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'backup: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

BACKUP_DIR="${BACKUP_DIR:-/var/backups/fleet}"
RETENTION_DAYS="${BACKUP_RETENTION_DAYS:-14}"
SCHEMAS="${BACKUP_SCHEMAS:-}"
MONGO_URL="${MONGO_URL:-}"
MONGO_DB="${MONGO_DB:-fleet_analytics}"
METRICS_FILE="${BACKUP_METRICS_FILE:-}"

[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL is not set"
[[ "$RETENTION_DAYS" =~ ^[1-9][0-9]*$ ]] || fail "BACKUP_RETENTION_DAYS must be a whole number of days (1 or more), not '$RETENTION_DAYS'"
[[ "$MONGO_DB" =~ ^[A-Za-z0-9_-]{1,63}$ ]] || fail "MONGO_DB '$MONGO_DB' is not a database name"
for tool in pg_dump psql sha256sum flock; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done

# libpq's PG* variables from DATABASE_URL: no password on any command line.
while IFS= read -r -d '' pair; do export "${pair?}"; done < <(node "$HERE/pg-env.mjs" || printf 'PGENV_FAILED=1\0')
[ -z "${PGENV_FAILED:-}" ] || fail "DATABASE_URL could not be used"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"
psql_at() { psql -X -A -t -q -v ON_ERROR_STOP=1 --no-password "$@"; }

mkdir -p "$BACKUP_DIR"
exec 9>"$BACKUP_DIR/.lock"
flock -n 9 || fail "another backup is running in $BACKUP_DIR"

# One directory per second: a run started within the same second as the previous one waits.
stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
while [ -e "$BACKUP_DIR/$stamp" ]; do sleep 1; stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"; done
target="$BACKUP_DIR/$stamp"
work="$BACKUP_DIR/.partial-$stamp"
trap 'rm -rf "$work"' EXIT
mkdir -m 0700 "$work"

if [ -z "$SCHEMAS" ]; then
  SCHEMAS="$(psql_at -c "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', 'public') ORDER BY 1")" \
    || fail "cannot list the schemas of database $PGDATABASE"
  SCHEMAS="$(printf '%s' "$SCHEMAS" | tr '\n' ' ')"
  [ -n "${SCHEMAS// /}" ] || fail "database $PGDATABASE has no schema to back up (are the migrations applied?)"
  # The fleet keeps nothing in `public` (every object, extensions included, lives in its service's
  # schema); a table there would otherwise be lost silently.
  in_public="$(psql_at -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")" \
    || fail "cannot inspect schema public"
  [ "$in_public" = 0 ] || log "WARNING: schema public holds $in_public relations that are not backed up; list it in BACKUP_SCHEMAS"
fi

dumped=()
for schema in $SCHEMAS; do
  [[ "$schema" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "schema name '$schema' is not a plain lower-case identifier"
  exists="$(psql_at -c "SELECT count(*) FROM pg_namespace WHERE nspname = '$schema'")" || fail "cannot look up schema $schema"
  [ "$exists" = 1 ] || fail "schema $schema does not exist in database $PGDATABASE"
  extensions=()
  while IFS= read -r extension; do
    [ -z "$extension" ] || extensions+=("--extension=$extension")
  done < <(psql_at -c "SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = '$schema' ORDER BY 1")
  log "dumping schema $schema${extensions[*]:+ with ${extensions[*]#--extension=}}"
  pg_dump --no-password --format=custom --schema="$schema" "${extensions[@]}" --file="$work/$schema.pgdump" \
    || fail "pg_dump of schema $schema"
  dumped+=("$schema")
done

mongo="no"
if [ -n "$MONGO_URL" ]; then
  command -v mongodump >/dev/null || fail "MONGO_URL is set but mongodump is not installed (MongoDB Database Tools)"
  # The URI (with its password) goes through a 0600 config file, not the command line.
  config="$work/.mongo.yaml"
  (umask 077 && printf "uri: '%s'\n" "${MONGO_URL//\'/\'\'}" > "$config")
  log "dumping MongoDB database $MONGO_DB"
  mongodump --quiet --config="$config" --db="$MONGO_DB" --gzip --archive="$work/mongo.archive.gz" \
    || { rm -f "$config"; fail "mongodump of $MONGO_DB"; }
  rm -f "$config"
  mongo="$MONGO_DB"
else
  log "MONGO_URL is not set: MongoDB is not backed up"
fi

{
  printf 'created_at=%s\n' "$stamp"
  printf 'database=%s\n' "$PGDATABASE"
  printf 'schemas=%s\n' "${dumped[*]}"
  printf 'mongo_db=%s\n' "$mongo"
  printf 'pg_dump=%s\n' "$(pg_dump --version)"
} > "$work/MANIFEST"
sums="$(cd "$work" && find . -maxdepth 1 -type f -printf '%f\n' | LC_ALL=C sort | xargs sha256sum)"
printf '%s\n' "$sums" > "$work/SHA256SUMS"
mv "$work" "$target"
trap - EXIT

now="$(date +%s)"
printf '%s\n' "$now" > "$BACKUP_DIR/.last-success.tmp"
mv -f "$BACKUP_DIR/.last-success.tmp" "$BACKUP_DIR/last-success"
if [ -n "$METRICS_FILE" ]; then
  {
    printf '# HELP fleet_backup_last_success_timestamp_seconds Unix time of the last complete fleet backup.\n'
    printf '# TYPE fleet_backup_last_success_timestamp_seconds gauge\n'
    printf 'fleet_backup_last_success_timestamp_seconds %s\n' "$now"
    printf '# HELP fleet_backup_size_bytes Size of the last complete fleet backup.\n'
    printf '# TYPE fleet_backup_size_bytes gauge\n'
    printf 'fleet_backup_size_bytes %s\n' "$(du -sb "$target" | cut -f1)"
  } > "$METRICS_FILE.tmp"
  mv -f "$METRICS_FILE.tmp" "$METRICS_FILE"
fi
log "complete: $target ($(du -sh "$target" | cut -f1))"

# Retention, by the date in each directory's name (copies keep their names, not their mtimes).
cutoff=$((now - RETENTION_DAYS * 86400))
for dir in "$BACKUP_DIR"/*/ "$BACKUP_DIR"/.partial-*/; do
  [ -d "$dir" ] || continue
  name="$(basename "$dir")"
  [[ "$name" =~ ^(\.partial-)?([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z$ ]] || continue
  [ "$name" != "$stamp" ] || continue
  taken="$(date -u -d "${BASH_REMATCH[2]} ${BASH_REMATCH[3]}:${BASH_REMATCH[4]}:${BASH_REMATCH[5]}" +%s)" || continue
  # A crashed run's .partial-* directory goes after a day whatever the retention.
  if [ -n "${BASH_REMATCH[1]}" ]; then limit=$((now - 86400)); else limit=$cutoff; fi
  if [ "$taken" -lt "$limit" ]; then
    rm -rf "$dir"
    log "deleted $name (older than ${RETENTION_DAYS} days)"
  fi
done
