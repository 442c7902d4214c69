# parkportal's production image: one image, three roles (web, worker,
# beat) chosen by the command in docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PARKPORTAL_DATA_DIR=/data

WORKDIR /app

# Requirements first, so that a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin parkportal \
    && mkdir -p /data/documents /data/static \
    && chown -R parkportal:parkportal /data

COPY --chown=parkportal:parkportal . .

USER parkportal
EXPOSE 8000

# The default command serves the web application; docker-compose.yml
# runs the worker, beat and the one-shot migration from the same image.
CMD ["gunicorn", "parkportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--access-logfile", "-", "--timeout", "60", "--graceful-timeout", "30"]
