# syntax=docker/dockerfile:1.7
# One image for every Chopsticks process; the command picks the app:
#   docker run chopsticks controller | agents | dashboard | funhub | cli <args> | migrate | check <url>
#
# Runtime choice: the apps run from their TypeScript sources with `node -r @swc-node/register`
# (the same command as `npm run start:*`). `tsc` output under dist/ keeps the `@app/<lib>` path
# aliases unresolved, so it cannot be started with plain `node`; the build stage still runs
# `npm run build` so a type error fails the image build.

ARG NODE_VERSION=20.20

# --- deps: every dependency, exactly as locked ---
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- build: type-checked compile (fails the build on any type error) ---
FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json .swcrc ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
COPY scripts ./scripts
RUN npm run build

# --- prod-deps: runtime dependencies only, plus typescript (@swc-node/register reads tsconfig with it) ---
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=deps /app/node_modules/typescript ./node_modules/typescript

# --- runtime ---
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# curl: operators run `docker compose exec bot curl -fsS http://dashboard:8788/health` etc.
RUN apt-get update \
  && apt-get install -y --no-install-recommends curl ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  HTTP_HOST=0.0.0.0 \
  HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json tsconfig.json .swcrc ./
COPY --chown=root:root apps ./apps
COPY --chown=root:root libs ./libs
COPY --chown=root:root migrations ./migrations
COPY --chown=root:root scripts ./scripts
COPY --chown=root:root --chmod=0755 <<'SH' /usr/local/bin/chopsticks
#!/bin/sh
# Maps a command to a Chopsticks process. Usage: chopsticks <command> [args...]
set -eu
run() { exec node --enable-source-maps -r @swc-node/register "$@"; }
cmd="${1:-controller}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  controller) run apps/controller/src/main.ts "$@" ;;
  agents) run apps/agents/src/main.ts "$@" ;;
  dashboard) run apps/dashboard/src/main.ts "$@" ;;
  funhub) run apps/funhub/src/main.ts "$@" ;;
  cli) run apps/controller/src/cli.ts "$@" ;;
  migrate) run scripts/migrate.ts "$@" ;;
  check)
    # chopsticks check [url]: exit 0 when the URL answers 2xx (health checks, runbook probes).
    url="${1:-$HEALTHCHECK_URL}"
    exec node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url" ;;
  *)
    echo "usage: chopsticks controller|agents|dashboard|funhub|cli|migrate|check [args]" >&2
    exit 64 ;;
esac
SH
# Never run as root: the official image's `node` user (uid 1000) owns nothing it can rewrite.
USER node
EXPOSE 8080 8787 8081 8788 8790
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["chopsticks", "check"]
ENTRYPOINT ["/usr/bin/tini", "--", "chopsticks"]
CMD ["controller"]
