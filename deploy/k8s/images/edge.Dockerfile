# syntax=docker/dockerfile:1.7
# The edge image (deploy/k8s/base/edge.yaml, and compose's nginx): the stock nginx image plus the
# repository's nginx/ directory (config template, render.sh) and the dashboard built to static
# files at /etc/fleet/dashboard (served at / with --static-root). The config is rendered at start
# with render.sh. Build from the repository root:
#   docker build -f deploy/k8s/images/edge.Dockerfile -t fleet/edge .
ARG NODE_IMAGE=node:20-bookworm-slim

# --- the dashboard: only its own workspace package and dependencies -------------------------------
FROM ${NODE_IMAGE} AS dashboard
ENV CI=true
RUN npm install --global pnpm@10.34.8 && npm cache clean --force
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/dashboard/package.json packages/dashboard/
RUN pnpm install --frozen-lockfile --filter @fleet/dashboard
COPY packages/dashboard/ packages/dashboard/
RUN pnpm --filter @fleet/dashboard run build

FROM nginx:1.28
COPY nginx/ /etc/fleet/nginx/
COPY --from=dashboard /src/packages/dashboard/dist/ /etc/fleet/dashboard/
# Owned by root and only readable by the `nginx` user (uid 101) the pod runs as.
RUN chmod -R u=rwX,go=rX /etc/fleet/nginx /etc/fleet/dashboard
USER 101
