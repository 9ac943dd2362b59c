"""Production server settings: ``gunicorn --config gunicorn.conf.py``.

Set DATABASE_URL (PostgreSQL), SECRET_KEY and REDIS_URL in the environment.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from webapp.logs import without_invitation_tokens

wsgi_app = "webapp:create_app()"
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# The app is created once, in the master, and each worker is a fork of it. A worker that
# imported and built the app itself spent over a second of CPU (pandas, NumPy, SQLAlchemy
# mappers, ...) at every start, and max_requests restarts each one every ~2000 requests:
# about half a millisecond of CPU per request. Forked workers also share those pages.
# Code changes need a restart, not a HUP.
preload_app = True
accesslog = "-"
errorlog = "-"
# No client address or user agent: survey URLs carry submission ids, and a log line that
# joined them to an address would undo the respondents' anonymity.
access_log_format = '{"request": "%(r)s", "status": %(s)s, "bytes": "%(b)s", "duration_us": %(D)s}'


class AccessLogger(Logger):
    """gunicorn's logger without invitation tokens in the request line or path: the database
    keeps only each token's hash, and the app's own request log leaves them out too."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = without_invitation_tokens(atoms[key])
        return atoms


logger_class = AccessLogger
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """A forked worker must not share the master's database connections. The factory opens
    none, but whatever a pool holds at the fork is dropped here (not closed: the connection
    belongs to the master) so that each worker opens its own."""
    app = worker.app.wsgi()
    extension = getattr(app, "extensions", {}).get("sqlalchemy")
    if extension is None:  # not the Flask app (e.g. a bare WSGI callable)
        return
    with app.app_context():
        for engine in extension.engines.values():
            engine.dispose(close=False)
