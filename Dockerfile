# TimeTracker: docker build -t timetracker . ; see compose.yaml to run it with PostgreSQL.
FROM python:3.11-slim-bookworm

# WeasyPrint (invoice PDFs) needs Pango; fonts for the PDFs.
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

RUN useradd --system --home /app timetracker && mkdir -p /data /logs \
    && chown timetracker /data /logs
USER timetracker
ENV TIMETRACKER_DATA_DIR=/data LOG_DIR=/logs BIND=0.0.0.0:8000 PYTHONUNBUFFERED=1
VOLUME ["/data", "/logs"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
ENTRYPOINT ["deploy/entrypoint.sh"]
