# syntax=docker/dockerfile:1
# One image for every app of the distributed layout. The app is chosen by APP (gateway, identity,
# totp, passcode, passkey, audit): a build arg for the default, an environment variable at run time, e.g.
#   docker build -t identity-store .
#   docker run -e APP=identity -e PORT=8081 -e DATABASE_URL=... -e KAFKA_BROKERS=... \
#     -e GATEWAY_VERIFY_KEY=... -e INTERNAL_TOKEN_KEY=... identity-store
# Apps run from their TypeScript sources with tsx (as `npm start` does); docker-compose.yml wires
# all of them with Kafka and PostgreSQL.

ARG NODE_IMAGE=node:20-slim

# ---------------------------------------------------------------------------------------- build
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# Production dependencies only: tsx, prisma (migrations run at start-up) and the runtime libraries.
RUN npm ci --omit=dev
COPY tsconfig.base.json tsconfig.json ./
COPY tools/scripts/prepare.mjs tools/scripts/prepare.mjs
COPY libs libs
COPY apps apps
# Generates the Prisma client into libs/event-store/src/generated (--force: never trust a copied one).
RUN node tools/scripts/prepare.mjs --force

# -------------------------------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ARG APP=gateway
# HOST: in a container the network decides who reaches the app (outside one, the apps default to
# 127.0.0.1). The admin listener (ADMIN_PORT, metrics and admin routes) stays on the container's
# loopback unless ADMIN_HOST is set.
ENV NODE_ENV=production APP=${APP} CHECKPOINT_DISABLE=1 HOST=0.0.0.0
WORKDIR /app
# Owned by root, read-only for the app user; tsx and Prisma write only below /tmp.
COPY --from=build /app /app
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 8080 8081 8082 8083 8084 8085
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# One process (no tsx wrapper), so SIGTERM reaches the app's graceful shutdown directly.
CMD ["sh", "-c", "exec node --import tsx \"apps/${APP}/src/main.ts\""]
