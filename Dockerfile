# Godwit server image: `godwit serve` on port 8787 as a non-root user.
#   docker build -t godwit .
#   docker run -p 8787:8787 -e GODWIT_DATABASE_URL=postgres://… godwit
# Configuration is by GODWIT_* variables (docs/CONFIGURATION.md); data stays in /data unless a database URL is set.

# Compile the server to JavaScript (dist/) and build the web app; both need the dev dependencies.
# Node 22 is the oldest version the AI SDK packages support (docs/decisions/2026-12-06-supported-node-versions.md).
FROM public.ecr.aws/docker/library/node:22-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
COPY web/package.json web/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY scripts scripts
COPY src src
RUN npm run build:server
COPY web web
RUN npm run build -w web

# Production dependencies of the server only (no web workspace packages).
FROM public.ecr.aws/docker/library/node:22-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev --workspaces=false --ignore-scripts

FROM public.ecr.aws/docker/library/node:22-bookworm-slim
ENV NODE_ENV=production \
    GODWIT_HOST=0.0.0.0 \
    GODWIT_PORT=8787 \
    GODWIT_DATA_DIR=/data
WORKDIR /app
COPY --from=dependencies /app/node_modules node_modules
COPY package.json ./
COPY bin bin
COPY --from=build /build/dist dist
COPY examples/handbook examples/handbook
COPY --from=build /build/web/dist web/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8787
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GODWIT_PORT || 8787) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/godwit.js"]
CMD ["serve"]
