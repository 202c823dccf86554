# syntax=docker/dockerfile:1.20
# One image for every Sluice process: the repo with its packages installed. The server's TypeScript
# runs through tsx; docker-compose.yml picks the role with --role=server|worker.
FROM node:20-bookworm-slim

WORKDIR /app
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# The npm that wrote package-lock.json, which runs install scripts only for the packages that
# package.json's allowScripts approves.
RUN npm install -g npm@11.19.1 --no-audit --no-fund

# Packages first, so that editing code does not reinstall them (--parents keeps each workspace's folder).
COPY --parents package.json package-lock.json apps/*/package.json packages/*/package.json bench/package*.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

# The code, without what the host generated (node_modules, the embedded Postgres in .sluice, builds).
COPY --exclude=**/node_modules --exclude=.sluice --exclude=.git --exclude=.turbo --exclude=**/dist . .
# What `npm start` builds (the web app's bundle, once it has one).
RUN TURBO_TELEMETRY_DISABLED=1 npx --no turbo run build --output-logs=errors-only

# A bare `docker run` (no DATABASE_URL) keeps its embedded Postgres in /app/.sluice, so let node write there.
RUN mkdir .sluice && chown node:node .sluice
ENV NODE_ENV=production
USER node
EXPOSE 3000
# --max-semi-space-size=32: see scripts/start.mjs.
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "apps/server/src/main.ts", "--role=all"]
