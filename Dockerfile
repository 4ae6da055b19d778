# syntax=docker/dockerfile:1
# --- frontend build ---
FROM node:20-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- runtime ---
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SQLITE_PATH=/data/one-api.db PORT=3000
WORKDIR /app
COPY requirements.txt setup.py ./
RUN pip install --no-cache-dir -r requirements.txt
COPY oneapi/ oneapi/
COPY migrations/ migrations/
COPY wsgi.py ./
RUN pip install --no-cache-dir --no-deps -e . && mkdir -p /data
COPY --from=web /src/frontend/dist /app/frontend/dist
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os;urllib.request.urlopen('http://127.0.0.1:%s/api/status'%os.environ.get('PORT','3000'))"
CMD ["sh", "-c", "oneapi migrate && exec oneapi serve"]
