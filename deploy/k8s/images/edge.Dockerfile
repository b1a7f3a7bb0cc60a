# syntax=docker/dockerfile:1.7
# The edge image of the Kubernetes deployment (deploy/k8s/base/edge.yaml): the stock nginx image
# plus the repository's nginx/ directory (config template, render.sh, the dashboard's static
# files). The Deployment renders the config at start with render.sh, as compose does with the same
# stock image and nginx/ mounted. Build from the repository root:
#   docker build -f deploy/k8s/images/edge.Dockerfile -t fleet/edge .
FROM nginx:1.28
COPY nginx/ /etc/fleet/nginx/
# Owned by root and only readable by the `nginx` user (uid 101) the pod runs as.
RUN chmod -R u=rwX,go=rX /etc/fleet/nginx
USER 101
