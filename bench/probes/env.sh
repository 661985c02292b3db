# The environment of the probe stack (bench/probes/README.md), as bin/serve-prod exports it:
# `. bench/probes/env.sh` before `bin/serve-prod`, `manage.py shell` or a worker by hand.
export PORT=${PORT:-8300}
export DATABASE_URL=${PROBE_DATABASE_URL:-postgres://postgres@127.0.0.1:5441/cgmsite_probe}
export REDIS_URL=${PROBE_REDIS_URL:-redis://127.0.0.1:6391/0}
export EMAIL_HOST=127.0.0.1 EMAIL_PORT=2525 EMAIL_USE_TLS=false EMAIL_HOST_USER= EMAIL_HOST_PASSWORD=
export DJANGO_SETTINGS_MODULE=cgmsite.settings.production
export ALLOWED_HOSTS=127.0.0.1,localhost SITE_BASE_URL=http://127.0.0.1:$PORT
export TRUSTED_PROXY_COUNT=1 SECURE_SSL_REDIRECT=false SECURE_HSTS_SECONDS=0 SERVE_MEDIA=false
export PYTHONUNBUFFERED=1
export FRONTEND_CACHE_VARNISH_URL=http://127.0.0.1:$((PORT + 2))
if [[ -s var/secret-key ]]; then SECRET_KEY=$(<var/secret-key); export SECRET_KEY; fi
