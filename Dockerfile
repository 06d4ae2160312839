# pinsync as an image, for Kubernetes CronJobs, CI runners and other schedulers that run jobs in containers.
#
#   docker build -t pinsync .
#   docker run --rm -v "$PWD/pinsync.yaml:/config/pinsync.yaml:ro" -e PINSYNC_STATE -e PINTEREST_ACCESS_TOKEN pinsync sync
#   docker run --rm -i -e PINSYNC_STATE -e PINTEREST_ACCESS_TOKEN pinsync sync -c - < pinsync.yaml
#
# The config is read from /config/pinsync.yaml (the working directory), from $PINSYNC_CONFIG, or from stdin with
# `-c -`. A DuckDB state file inside a container is lost with it: use `state: postgres://...` (README, "Running on
# Kubernetes, GitHub Actions and containers").

# A mirror or a pinned digest can be passed with --build-arg NODE_IMAGE=...
ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (tsc) needs the sources, copied next, and run by `npm run build`.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY connectors ./connectors
COPY emulators ./emulators
COPY cli ./cli
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# SNOWFLAKE_DISABLE_PLATFORM_DETECTION: the Snowflake driver otherwise probes cloud metadata endpoints at start-up,
# which stalls outside that cloud.
ENV NODE_ENV=production \
    SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; none of them has an install script (the package's own `prepare` needs dev tools).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
# The state migrations and the diff SQL are read at run time from /app/sql (connectors/sql-files.ts).
COPY sql ./sql
# The dbt package (post-hook macro) ships beside the CLI, for projects that install it from the image.
COPY dbt ./dbt
COPY README.md config.example.yaml ./
# A numeric, non-root user, so Kubernetes' runAsNonRoot can verify it. /config is the working directory: the
# default config location, and where a relative DuckDB state path (for a trial run) can be written.
RUN groupadd --gid 10001 pinsync \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /config --shell /usr/sbin/nologin pinsync \
 && mkdir -p /config \
 && chown 10001:10001 /config \
 && chmod 0700 /config
USER 10001:10001
WORKDIR /config
# pinsync handles SIGTERM itself (it finishes the request in flight and records the run as interrupted), so it can be
# PID 1 without an init.
ENTRYPOINT ["node", "/app/dist/cli/pinsync.js"]
CMD ["--help"]
