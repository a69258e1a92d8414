# Tempodesk: one image for the API, the workers and the one-shot migration;
# the command picks the role (see docker-compose.yml).
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a source change reuses this layer. tsx is a runtime
# dependency (the app runs its TypeScript directly), so dev tools can go.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .

# Listen on every interface inside the container (the app's default is loopback).
# tsx straight from node_modules/.bin, not through npx: npx does not pass
# SIGTERM on, so `docker stop` would kill a worker without draining it.
ENV HOST=0.0.0.0 \
    PORT=3000 \
    PATH=/app/node_modules/.bin:$PATH
USER node
EXPOSE 3000
CMD ["tsx", "cli/index.ts", "api"]
