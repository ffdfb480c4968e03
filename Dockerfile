# Production image of the portal (web, worker, beat and the central store share it).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends libxml2 libxmlsec1-openssl fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 1000 --home /app portal
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY portal ./portal
COPY accounts ./accounts
COPY declarations ./declarations
COPY ivan ./ivan
COPY closure_sync ./closure_sync
COPY closure_protocol ./closure_protocol
COPY central ./central
# Not demo/: the demo data and the simulated year are for the dev and test settings only.
COPY templates ./templates
COPY locale ./locale
COPY manage.py ./
COPY deploy/healthcheck.py ./deploy/healthcheck.py
RUN pip install . && DJANGO_SETTINGS_MODULE=portal.settings.base python manage.py collectstatic --noinput -v0
# The code stays root-owned (read-only to the app); what the app writes has its own folders,
# owned by the app user: uploads (MEDIA_ROOT) and the audit checkpoint file. A new named
# volume mounted there starts with this ownership.
ENV MEDIA_ROOT=/srv/media
RUN mkdir -p /srv/media /var/lib/bhxh-audit && chown portal:portal /srv/media /var/lib/bhxh-audit
VOLUME ["/srv/media"]
USER portal
EXPOSE 8000
# The web process; docker-compose.yml gives the worker, beat and central their own probes.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "deploy/healthcheck.py", "http"]
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
