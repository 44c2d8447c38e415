# One image per service: docker build --build-arg SERVICE=todo -t taskoverflow-todo .
# (SERVICE is one of todo, calendar, job-status, gateway.)
# Node.js 24 runs the TypeScript sources directly (type stripping), so there is no build stage.
FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0
RUN npm install -g pnpm@10.34.9
WORKDIR /app
COPY . .
# Everything above is the same for every service (and cached once); SERVICE only matters from here on.
ARG SERVICE
ENV SERVICE=${SERVICE}
# --filter-prod: the service and the workspace packages it depends on at run time. (--filter "pkg..." would
# also take in the workspace packages listed as devDependencies, i.e. the test harness with Testcontainers,
# Playwright and their native builds.) The code stays owned by root; the node user can write only to .data,
# where a service without DATABASE_URL keeps its embedded PostgreSQL (PGlite, DATA_DIR=.data/<service>).
RUN test -f "services/${SERVICE}/src/main.ts" \
    || { echo "build with --build-arg SERVICE=<todo|calendar|job-status|gateway>" >&2; exit 1; } \
 && pnpm install --frozen-lockfile --prod --filter-prod "@taskoverflow/${SERVICE}..." \
 && mkdir -p .data && chown node:node .data
USER node
CMD ["sh", "-c", "exec node services/$SERVICE/src/main.ts"]
