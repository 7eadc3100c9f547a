"""gunicorn settings for survey-service; each can be overridden on the command line or by GUNICORN_CMD_ARGS.

Deployment and the reasons behind these values: docs/deployment.md.
"""
import gc
import multiprocessing
import os

import gunicorn.http.wsgi

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
# The requests are CPU-bound Python: two threads overlap a request's database waits with another's work, more only
# crowd the GIL and, on SQLite, keep the writer waiting for a core (docs/benchmarks.md, "The centre's path").
threads = int(os.environ.get("GUNICORN_THREADS", 2))
# The app is built once in the master and forked: workers start fast, a bad setting stops the master at once, and
# a worker restarted after max_requests or a crash serves again within milliseconds.
preload_app = True
# A request that takes longer than this is stuck (SQLite waits at most 30 s for its write lock); the worker is
# killed and replaced. Its open transaction is rolled back by the database, so nothing half-written remains.
timeout = 60
# On SIGTERM (docker stop, a deploy) workers finish the requests in flight for up to this long, then exit.
graceful_timeout = 30
# Longer than a load balancer's idle timeout (AWS ALB and nginx default to 60 s), so the balancer, not gunicorn,
# closes idle connections and never sends a request down a connection gunicorn is closing.
keepalive = 75
# Workers are recycled now and then (jittered, so not all at once) to bound any slow growth in memory.
max_requests = 5000
max_requests_jitter = 500
# The heartbeat file in memory, not on an overlay filesystem that may stall under I/O load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
# Personal links are keys to a centre's answers: they never reach the log.
logger_class = "survey_service.access_log.TokenMaskingLogger"
# Only the load balancer may say who the client is (X-Forwarded-For, X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No server name or version in responses.
gunicorn.http.wsgi.SERVER = "survey-service"


def pre_fork(server, worker):
    """The preloaded app's objects live as long as the process: frozen before each fork, a worker's full garbage
    collection skips them. Left in, each full collection walked the whole app (about 80 ms with the GIL held,
    every few hundred submissions: the slowest requests of a burst) and wrote to every page the worker shared with
    the master."""
    gc.freeze()


def post_worker_init(worker):
    """The same for what a worker loaded itself (all of the app, when preloading is turned off)."""
    gc.freeze()
