# syntax=docker/dockerfile:1.7
# The backup image of the Kubernetes CronJob (deploy/k8s/base/backup-cronjob.yaml): Postgres 16
# client tools (pg_dump must be at least the server's major version), MongoDB's database tools
# (mongodump, from MongoDB's own Debian repository: Debian ships none), node (backup.sh turns
# DATABASE_URL into libpq's variables with pg-env.mjs) and deploy/backup/.
# Build from the repository root:
#   docker build -f deploy/k8s/images/backup.Dockerfile -t fleet/backup .
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS node

FROM postgres:16-bookworm
# The node binary alone: Debian bookworm has every library it links to.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl gnupg; \
    curl -fsSL https://pgp.mongodb.com/server-7.0.asc | gpg --dearmor -o /usr/share/keyrings/mongodb-server-7.0.gpg; \
    echo "deb [signed-by=/usr/share/keyrings/mongodb-server-7.0.gpg] https://repo.mongodb.org/apt/debian bookworm/mongodb-org/7.0 main" \
      > /etc/apt/sources.list.d/mongodb-org-7.0.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends mongodb-database-tools; \
    apt-get purge -y --auto-remove curl gnupg; \
    rm -rf /var/lib/apt/lists/*
COPY deploy/backup/ /opt/fleet/backup/
RUN chmod -R u=rwX,go=rX /opt/fleet/backup && chmod 755 /opt/fleet/backup/*.sh
# The image's `postgres` user (uid 999); the CronJob mounts the backup volume for it.
USER 999
