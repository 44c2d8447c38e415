# One image per service: docker build --build-arg SERVICE=todo -t taskoverflow-todo .
# Node.js 24 runs the TypeScript sources directly (type stripping), so there is no build stage.
FROM node:24-bookworm-slim
ARG SERVICE
ENV SERVICE=${SERVICE} NODE_ENV=production HOST=0.0.0.0
RUN npm install -g pnpm@10.34.9 && test -n "$SERVICE"
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile --prod --filter "@taskoverflow/${SERVICE}..." \
 && chown -R node:node /app
USER node
CMD ["sh", "-c", "exec node services/$SERVICE/src/main.ts"]
