"""gunicorn's settings, read from the working directory by
`gunicorn greenpin_admin.wsgi:application` (options given on its command line win).

gunicorn faces clients directly only in development; production puts a buffering reverse
proxy in front (README, "Security"). Still, a few slow or stalled clients must not take the
web process down: every connection is served by a thread of a pool, and a client that stops
sending loses its thread after CLIENT_TIMEOUT seconds.
"""

import os

worker_class = "greenpin_admin.web_server.ClientTimeoutThreadWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads spend their time waiting (on the database, on Exotel for recordings), and a slow
# client holds one: many cheap threads rather than a few.
threads = 32
# A worker silent this long is restarted; a kept-alive connection closes after `keepalive` s.
timeout = 30
graceful_timeout = 30
keepalive = 5
# gunicorn's own bounds on the request line and headers.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# The access log never shows the webhook's secret path segment.
logger_class = "greenpin_admin.web_server.RedactingLogger"


def child_exit(server, worker):
    """In Prometheus multiprocess mode, a worker that exits takes its live gauges with it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
