# ctxpipe container image (docs/deploy.md). Multi-stage: dependencies and the web app are
# built in the first stage, and the agent setup CLI packed into cli/dist-pack; the runtime
# stage carries Node 22, git, the app, the packed CLI and its production dependencies, and
# runs as an unprivileged user with the data directory on a volume.
# Build: docker build -t ctxpipe .   Run: docker run -p 3000:3000 -v ctxpipe:/var/lib/ctxpipe ctxpipe
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/package.json
COPY web/package.json web/package.json
COPY cli/package.json cli/package.json
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts
# Compiles the server's TypeScript (server/bin/ts-hooks.js), fills V8's code cache for every
# module `serve` loads and builds the bundle `ctxpipe` starts from (server/bin/bundle.js), into
# node_modules/.cache/ctxpipe: the unprivileged runtime user cannot write there, and without
# this would run the sources, compiling them again at every start.
RUN node --import ./server/bin/ts-hooks.js -e 'await import("./server/src/roles/run.ts")' \
  && test -n "$(ls node_modules/.cache/ctxpipe/ts)" \
  && node server/bin/ctxpipe.js --version \
  && test -f node_modules/.cache/ctxpipe/bundle/manifest.json

FROM node:22-bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system --gid 10001 ctxpipe \
  && useradd --system --uid 10001 --gid ctxpipe --home-dir /var/lib/ctxpipe --shell /usr/sbin/nologin ctxpipe \
  && mkdir -p /var/lib/ctxpipe /var/lib/ctxpipe-backups \
  && chown ctxpipe:ctxpipe /var/lib/ctxpipe /var/lib/ctxpipe-backups
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/server ./server
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/web/package.json ./web/package.json
# The agent setup CLI, packed by the build; served at /downloads/ctxpipe-connect.tgz.
COPY --from=build /app/cli/dist-pack ./cli/dist-pack
ENV NODE_ENV=production \
    CTXPIPE_DATA_DIR=/var/lib/ctxpipe \
    HOST=0.0.0.0 \
    PORT=3000
USER ctxpipe
VOLUME ["/var/lib/ctxpipe"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/.status').then((r) => r.json()).then((b) => process.exit(b.status === 'ok' ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/server/bin/ctxpipe.js"]
CMD ["serve"]
