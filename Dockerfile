# imagegate: a multi-stage build on Debian slim. The builder compiles the server and the console; the final
# image holds only the build and the runtime dependencies, and runs as the unprivileged `node` user.
# Docker is not run in this project's CI: see docs/deploy.md for what is and is not tested.
ARG NODE_VERSION=26

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Toolchain for better-sqlite3 where no prebuilt binary fits the platform (sharp ships its own per platform).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Dependencies first, in a layer of their own; `prepare` (the build) runs below, once the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY console ./console
COPY catalog ./catalog
COPY bin ./bin
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    IMAGEGATE_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/catalog ./catalog
COPY --from=build /app/bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787
# Ready means this instance should get traffic: database, Redis and blob store reachable, not draining.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# bin/imagegate.js carries the V8 and allocator settings of docs/performance.md in its shebang.
ENTRYPOINT ["/app/bin/imagegate.js"]
CMD ["serve"]
