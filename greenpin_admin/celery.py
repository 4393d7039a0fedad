import logging
import os

from celery import Celery, Task, signals
from celery.exceptions import Ignore

from sync.queues import QUEUES, consumed_queues, queue_for

from .filesystem_broker import install as install_filesystem_broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenpin_admin.settings")
install_filesystem_broker()

logger = logging.getLogger(__name__)

__all__ = ["QUEUES", "app", "consumed_queues", "route_task"]


def route_task(name, args, kwargs, options, task=None, **extra):
    queue = queue_for(name)
    return {"queue": queue} if queue else None


class BoundedRedeliveryTask(Task):
    """A task whose message is delivered at most `max_deliveries` times.

    With acks_late and task_reject_on_worker_lost, a message whose worker dies is delivered
    again; one that kills every worker it reaches would otherwise loop forever.
    """

    max_deliveries = 3

    def before_start(self, task_id, args, kwargs):
        from exotel.coordination import coordinator

        deliveries = coordinator().increment(f"task-deliveries:{task_id}", 24 * 3600)
        if deliveries > self.max_deliveries:
            logger.error("%s[%s] delivered %s times; dropped", self.name, task_id, deliveries)
            raise Ignore()


app = Celery("greenpin_admin", task_cls=BoundedRedeliveryTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = (route_task,)
app.autodiscover_tasks()


@signals.setup_logging.connect
def _use_django_logging(**kwargs) -> None:
    """Workers and beat log exactly as the web process does (format, level, context)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


# Tokens to restore the context a task ran in (an eager task runs inside a web request).
_task_log_tokens: dict[str, object] = {}


@signals.task_prerun.connect
def _log_task_context(task_id=None, task=None, **kwargs) -> None:
    from .logs import log_context_set

    _task_log_tokens[task_id] = log_context_set(
        task_id=task_id, task_name=getattr(task, "name", None)
    )


@signals.task_postrun.connect
def _forget_task_context(task_id=None, **kwargs) -> None:
    from .logs import log_context_reset

    token = _task_log_tokens.pop(task_id, None)
    if token is not None:
        log_context_reset(token)


@signals.worker_process_shutdown.connect
def _forget_metrics_of_dead_child(pid=None, **kwargs) -> None:
    """In multiprocess mode a prefork child's live gauges must go with it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@signals.task_prerun.connect
def _note_queue_taken(task=None, **extra):
    """Every task a worker starts is a heartbeat for its queue (read by /healthz)."""
    from sync.worker_health import worker_took_task

    queue = (getattr(task.request, "delivery_info", None) or {}).get("routing_key")
    if queue:
        try:
            worker_took_task(queue)
        except Exception:  # a heartbeat must never fail the task
            logger.exception("could not note a task taken from %s", queue)


@signals.worker_ready.connect
def _start_watchdog(sender=None, **extra):
    """A prefork worker restarts itself when its pool wedges (see sync.worker_health)."""
    from celery.concurrency.prefork import TaskPool

    from sync.worker_health import start_watchdog

    if isinstance(sender.pool, TaskPool):
        start_watchdog(concurrency=sender.controller.concurrency)
