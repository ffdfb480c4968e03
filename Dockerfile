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
RUN pip install . && DJANGO_SETTINGS_MODULE=portal.settings.base python manage.py collectstatic --noinput -v0
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
