# One image for every d2s service; compose picks the entry point per service.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY apps ./apps
# Only the services: the root solution also references scripts/ and bench/, which the image leaves out.
RUN npm ci --no-audit --no-fund \
 && npx tsc -b packages/shared packages/databricks-emulator packages/snowflake-emulator apps/api apps/export-worker apps/import-worker apps/mirror-worker apps/cli \
 && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /sandbox && chown node:node /sandbox
USER node
# Overridden per service in docker-compose.yml.
CMD ["node", "apps/api/dist/main.js"]
