# syntax=docker/dockerfile:1
#
# pullguard: the admission webhook (`serve`) and the CLI, on distroless Node.js (no shell, no package
# manager at run time), as user 65532.
#
#   docker build -t ghcr.io/<you>/pullguard:0.1.0 .
#   docker run --rm ghcr.io/<you>/pullguard:0.1.0 --help
#
# The Node.js major version is the same in every stage (22, an LTS line). For reproducible builds,
# pin the three base images by digest (FROM image:tag@sha256:...).

# --- build: compile TypeScript to dist/ ------------------------------------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only ----------------------------------------------------------------
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime -----------------------------------------------------------------------------------------
FROM gcr.io/distroless/nodejs22-debian12:nonroot
LABEL org.opencontainers.image.title="pullguard" \
      org.opencontainers.image.description="Kubernetes validating admission webhook that predicts image-pull failures" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV NODE_ENV=production
# package.json: `pullguard --version` reads it.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Numeric, so the kubelet can verify runAsNonRoot (manifests/base/deployment.yaml runs it as 65532 too).
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/nodejs/bin/node", "dist/cli/main.js"]
CMD ["serve"]
