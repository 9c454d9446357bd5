FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app
# The app may create local state (e.g. .vigil/) under /app; the code itself stays root-owned.
RUN chown node:node /app

COPY package.json package-lock.json ./
# npm ci runs the package's install hook, which lives here; the skip flag makes it a no-op because
# the container talks to a real Temporal cluster and needs no local Temporal binaries.
COPY scripts/ ./scripts/
# tsx is a runtime dependency: the services run the TypeScript sources directly.
RUN VIGIL_SKIP_PROVISION=1 npm ci --omit=dev && npm cache clean --force

COPY . .

USER node
CMD ["bin/vigil", "worker"]
