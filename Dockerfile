# Rasd in a container: `python -m bot` with the package installed from pyproject.toml.
# Configure it with environment variables (BOT_TOKEN, RASD_<SECTION>__<KEY>) and, for
# sources and admins, a config file mounted at /app/config.toml (read-only is fine).
# Build: docker build -t rasd .   Run: see compose.yaml and the README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Built outside /app, so `python -m bot` run in /app imports the installed package.
COPY pyproject.toml README.md /tmp/rasd/
COPY bot /tmp/rasd/bot
RUN pip install /tmp/rasd && rm -rf /tmp/rasd

RUN groupadd --system --gid 10001 rasd \
    && useradd --system --uid 10001 --gid rasd --home-dir /app --shell /usr/sbin/nologin rasd \
    && mkdir -p /app/data \
    && chown rasd:rasd /app/data
WORKDIR /app

# matplotlib (the /trend and /stats charts) keeps its settings and font cache here: writable
# by the bot, and filled now, so it neither warns at start that the home is read-only nor
# scans the fonts again in every new container.
ENV MPLCONFIGDIR=/app/.matplotlib
RUN mkdir -p /app/.matplotlib \
    && python -c "import matplotlib.font_manager" \
    && chown -R rasd:rasd /app/.matplotlib

# /metrics and /health for Prometheus and the health check below; reachable from the
# container network, published nowhere unless you say so.
ENV RASD_METRICS__LISTEN=0.0.0.0 \
    RASD_METRICS__PORT=9100
EXPOSE 9100

USER 10001:10001

# Healthy when /health answers 200 (the database answers); a no-op when metrics.port is 0.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.ops.probe"]

ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
