# Godwit server image: `godwit serve` on port 8787 as a non-root user.
#   docker build -t godwit .
#   docker run -p 8787:8787 -e GODWIT_DATABASE_URL=postgres://… godwit
# Configuration is by GODWIT_* variables (docs/CONFIGURATION.md); data stays in /data unless a database URL is set.

# Build the web app (needs the dev dependencies).
FROM public.ecr.aws/docker/library/node:24-bookworm-slim AS web
WORKDIR /build
COPY package.json package-lock.json ./
COPY web/package.json web/
COPY infra/package.json infra/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY web web
RUN npm run build -w web

# Production dependencies of the server only (no web or infra workspace packages).
FROM public.ecr.aws/docker/library/node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev --workspaces=false --ignore-scripts

FROM public.ecr.aws/docker/library/node:24-bookworm-slim
ENV NODE_ENV=production \
    GODWIT_HOST=0.0.0.0 \
    GODWIT_PORT=8787 \
    GODWIT_DATA_DIR=/data
WORKDIR /app
COPY --from=dependencies /app/node_modules node_modules
COPY package.json ./
COPY bin bin
COPY src src
COPY examples/handbook examples/handbook
COPY --from=web /build/web/dist web/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8787
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GODWIT_PORT || 8787) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/godwit.js"]
CMD ["serve"]
