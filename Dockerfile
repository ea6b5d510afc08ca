# hotelpbx: one image for web (gunicorn), worker, beat and the PBX emulator; see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOTELPBX_VAR_DIR=/app/var \
    STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage \
    WEB_CONCURRENCY=2

WORKDIR /app

RUN groupadd --system --gid 1000 hotelpbx \
    && useradd --system --uid 1000 --gid hotelpbx --home-dir /app --shell /usr/sbin/nologin hotelpbx

# The pinned dependencies only ([tool.setuptools] packages = []): this layer is rebuilt only when
# pyproject.toml changes. The code runs from /app (PYTHONPATH).
# Pango for WeasyPrint (invoice PDFs).
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-dejavu-core && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info

COPY . .

# Hashed, pre-compressed static files, served by WhiteNoise from var/staticfiles. The key is for this
# step only; the running containers get theirs from the environment.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
    && chown -R hotelpbx:hotelpbx /app/var

USER hotelpbx
EXPOSE 8000

# /readyz checks the database, the broker and the beat heartbeat.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]

# WEB_CONCURRENCY sets the number of gunicorn workers.
CMD ["gunicorn", "hotelpbx.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--no-control-socket"]
