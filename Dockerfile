FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY application application
COPY projections projections
COPY api api
COPY bench bench
RUN pip install --no-cache-dir .
ENV LIANPING_SIGNING_KEY_FILE=/keys/signing-key.pem
EXPOSE 8000
CMD ["lianping", "serve", "--host", "0.0.0.0", "--port", "8000"]
