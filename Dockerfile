# TimeTracker: docker build -t timetracker . ; see compose.yaml to run it with PostgreSQL.
FROM python:3.11-slim-bookworm

# WeasyPrint (invoice PDFs) needs Pango; fonts for the PDFs. Not pinned: the image takes
# Debian's security updates to these whenever it is rebuilt.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0

# A numeric user, so that the host (and Kubernetes' runAsNonRoot) can tell it is not root.
RUN useradd --system --uid 10001 --home /app timetracker && mkdir -p /data /logs /backups \
    && chown 10001 /data /logs /backups
USER 10001
ENV TIMETRACKER_DATA_DIR=/data LOG_DIR=/logs BIND=0.0.0.0:8000 PYTHONUNBUFFERED=1
VOLUME ["/data", "/logs", "/backups"]
EXPOSE 8000
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
ENTRYPOINT ["deploy/entrypoint.sh"]
