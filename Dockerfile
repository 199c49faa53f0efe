# syntax=docker/dockerfile:1
# One image for the whole platform: the five nameko services and the FastAPI gateway.
# Which process runs is chosen by the command (see compose.yaml / deploy/k8s):
#   python -m common.run_service <registry|assistance|solidarity|veille|reporting|audit>
#   uvicorn gateway.main:create_app --factory --host 0.0.0.0 --port 8000
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# DejaVu Sans: the Arabic glyphs of the decision letters (assistance/letters.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependency pins first, then the sources (libs change least often).
COPY constraints.txt ./
COPY libs/ libs/
COPY services/ services/
COPY gateway/ gateway/
COPY deploy/ deploy/

RUN pip install -c constraints.txt \
        ./libs/common/core \
        ./libs/common/contracts \
        ./libs/common/nameko \
        ./libs/common/aio \
        ./services/registry \
        ./services/assistance \
        ./services/solidarity \
        ./services/veille \
        ./services/reporting \
        ./services/audit \
        ./gateway

# Fixed numeric uid/gid so Kubernetes can verify runAsNonRoot (see deploy/k8s).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin app
USER 10001:10001

# gateway 8000, service ops endpoints (OPS_PORT) 8101-8105
EXPOSE 8000 8101-8105

CMD ["python", "-m", "common.run_service", "registry"]
