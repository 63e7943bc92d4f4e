# syntax=docker/dockerfile:1
# Línea de información para familiares — API, console, webhooks and outbox worker.
# Base images are fully qualified (podman and buildah resolve no short names by default) and pinned.
# Build with `scripts/build-image` (buildah or podman with `--format docker`: the OCI format has no
# HEALTHCHECK, so an OCI build silently drops it; compose.yaml carries the same check either way).
# Build stage: wheels for the app and its pinned dependencies.
FROM docker.io/library/python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY api ./api
COPY bot ./bot
COPY db ./db
COPY common ./common
RUN pip wheel --no-cache-dir --wheel-dir /wheels -c constraints.txt .

# Runtime stage: no compiler, a non-root user, migrations beside the code.
# /data is the one writable place: the default database (SQLite, when DATABASE_URL is not set) and
# the webhook spool live there, owned by the image's user and declared a volume so they outlive
# the container. /app (the code) stays read-only to that user.
FROM docker.io/library/python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOTLINE_ENV=production \
    HOTLINE_MIGRATIONS_DIR=/app/migrations \
    DATABASE_URL=sqlite:////data/hotline.db \
    HOTLINE_SPOOL_DIR=/data/spool
RUN groupadd --system --gid 10001 hotline \
    && useradd --system --uid 10001 --gid hotline --home-dir /app hotline \
    && mkdir -p /data/spool \
    && chown -R 10001:10001 /data
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels linea-familiares==0.1.0 && rm -rf /wheels
COPY migrations ./migrations
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
CMD ["hotline", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker"]
