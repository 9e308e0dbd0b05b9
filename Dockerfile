# The API image: pinned dependencies, non-root, migrations applied once by the `migrate` service.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY graph ./graph
COPY models ./models
COPY migrations ./migrations
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
 && useradd --system --uid 10001 --home /app app \
 && mkdir -p /app/.data && chown app /app/.data
USER app
ENV ENVIRONMENT=production HOST=0.0.0.0 PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["graph-api", "serve", "--workers", "2"]
