# The image of `regionkit config-sync`, the CronJob that keeps passive admin nodes current
# (DESIGN section 3). It needs Python, regionkit and the git CLI; nothing else.
#
#   docker build -t ghcr.io/regionkit/regionkit:0.1.0 .
#   docker run --rm ghcr.io/regionkit/regionkit:0.1.0 config-sync --help

# --- build: a wheel of the project, so the runtime image holds no source tree or build tools
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- runtime
FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
# byte-code is compiled here: the job runs with a read-only root filesystem
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && groupadd --gid 10001 regionkit \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin regionkit
# HOME and the clone live in /tmp, an emptyDir in the CronJob's pod
ENV HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /tmp
# numeric, so Kubernetes can verify runAsNonRoot without reading /etc/passwd
USER 10001:10001
ENTRYPOINT ["regionkit"]
CMD ["config-sync"]
