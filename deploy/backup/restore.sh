#!/usr/bin/env bash
# Restores one backup directory written by backup.sh into the database DATABASE_URL names:
#
#   DATABASE_URL=postgres://fleet:...@127.0.0.1:5432/fleet deploy/backup/restore.sh [options] DIR
#     --create       create that database first (it must not exist; needs CREATEDB)
#     --skip-mongo   restore Postgres only, even when the backup holds a MongoDB archive
#   MONGO_URL (and MONGO_DB, default: the backup's) say where the MongoDB archive goes.
#
# The checksums are verified first. Every schema goes back in three passes over all the dumps
# (definitions, then rows, then indexes, constraints and triggers), so the order of the schemas
# never matters. Objects end up owned by the restoring role (--no-owner): restore as the role the
# services connect with. Refuses to restore over a schema that exists already.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'restore: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
usage() { sed -n '3,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; }

CREATE=0 SKIP_MONGO=0 DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --create) CREATE=1; shift ;;
    --skip-mongo) SKIP_MONGO=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage; fail "unknown option $1" ;;
    *) [ -z "$DIR" ] || fail "one backup directory at a time"; DIR="$1"; shift ;;
  esac
done
[ -n "$DIR" ] || { usage; fail "name the backup directory to restore"; }
[ -f "$DIR/MANIFEST" ] || fail "$DIR is not a backup directory (no MANIFEST)"
[ -f "$DIR/SHA256SUMS" ] || fail "$DIR is not a backup directory (no SHA256SUMS)"
[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL (the database to restore into) is not set"
for tool in pg_restore psql sha256sum; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done

(cd "$DIR" && sha256sum --check --quiet --strict SHA256SUMS) || fail "$DIR does not match its SHA256SUMS: the backup is damaged"
manifest() { sed -n "s/^$1=//p" "$DIR/MANIFEST"; }
read -r -a SCHEMAS <<< "$(manifest schemas)"
[ "${#SCHEMAS[@]}" -gt 0 ] || fail "$DIR/MANIFEST lists no schema"
for schema in "${SCHEMAS[@]}"; do
  [[ "$schema" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "MANIFEST names an invalid schema '$schema'"
  [ -f "$DIR/$schema.pgdump" ] || fail "$DIR/$schema.pgdump is missing"
done

while IFS= read -r -d '' pair; do export "${pair?}"; done < <(node "$HERE/pg-env.mjs" || printf 'PGENV_FAILED=1\0')
[ -z "${PGENV_FAILED:-}" ] || fail "DATABASE_URL could not be used"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"
psql_at() { psql -X -A -t -q -v ON_ERROR_STOP=1 --no-password "$@"; }

if [ "$CREATE" -eq 1 ]; then
  [[ "$PGDATABASE" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail "--create: database name '$PGDATABASE' must be a plain identifier"
  psql_at -d postgres -c "CREATE DATABASE \"$PGDATABASE\"" || fail "cannot create database $PGDATABASE"
  log "created database $PGDATABASE"
fi

for schema in "${SCHEMAS[@]}"; do
  exists="$(psql_at -c "SELECT count(*) FROM pg_namespace WHERE nspname = '$schema'")" || fail "cannot connect to database $PGDATABASE"
  [ "$exists" = 0 ] || fail "schema $schema exists in database $PGDATABASE: restore into a new database (--create) or drop the schema first"
done

for section in pre-data data post-data; do
  for schema in "${SCHEMAS[@]}"; do
    pg_restore --no-password --dbname="$PGDATABASE" --section="$section" --exit-on-error --single-transaction \
      --no-owner --no-privileges "$DIR/$schema.pgdump" || fail "pg_restore of schema $schema ($section)"
  done
  log "restored $section of ${SCHEMAS[*]}"
done
# Fresh statistics for the restored tables only (a plain ANALYZE also visits the catalogs, which a
# non-superuser may not, with a warning per catalog).
schema_list="'$(printf '%s' "${SCHEMAS[*]}" | sed "s/ /', '/g")'"
tables="$(psql_at -c "SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') FROM pg_tables WHERE schemaname IN ($schema_list)")" \
  || fail "cannot list the restored tables"
[ -z "$tables" ] || psql_at -c "ANALYZE $tables" || fail "ANALYZE after the restore"

mongo_db="$(manifest mongo_db)"
if [ -f "$DIR/mongo.archive.gz" ]; then
  if [ "$SKIP_MONGO" -eq 1 ]; then
    log "--skip-mongo: the MongoDB archive of $mongo_db is not restored"
  else
    [ -n "${MONGO_URL:-}" ] || fail "the backup holds MongoDB database $mongo_db: set MONGO_URL (or pass --skip-mongo)"
    command -v mongorestore >/dev/null || fail "mongorestore is not installed (MongoDB Database Tools)"
    target_db="${MONGO_DB:-$mongo_db}"
    [[ "$target_db" =~ ^[A-Za-z0-9_-]{1,63}$ ]] || fail "MONGO_DB '$target_db' is not a database name"
    config="$(mktemp)"
    trap 'rm -f "$config"' EXIT
    printf "uri: '%s'\n" "${MONGO_URL//\'/\'\'}" > "$config"
    mongorestore --quiet --config="$config" --gzip --archive="$DIR/mongo.archive.gz" --drop \
      --nsInclude="$mongo_db.*" --nsFrom="$mongo_db.*" --nsTo="$target_db.*" \
      || fail "mongorestore of $mongo_db into $target_db"
    log "restored MongoDB database $mongo_db into $target_db"
  fi
fi
log "complete: $DIR restored into database $PGDATABASE"
