"""Production server settings: ``gunicorn --config gunicorn.conf.py``.

Set DATABASE_URL (PostgreSQL), SECRET_KEY and REDIS_URL in the environment.
"""

import multiprocessing
import os

wsgi_app = "webapp:create_app()"
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# No client address or user agent: survey URLs carry submission ids, and a log line that
# joined them to an address would undo the respondents' anonymity.
access_log_format = '{"request": "%(r)s", "status": %(s)s, "bytes": "%(b)s", "duration_us": %(D)s}'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
