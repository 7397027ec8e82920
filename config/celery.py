"""Celery, for deployments that want ingestion and feed polling off the web process.

Without CELERY_BROKER_URL, tasks run in-process at the call (task_always_eager): `make demo`
and the tests need no broker. With it (redis://… or amqp://…), the push API queues analysed
batches for `celery -A config worker`, and `celery -A config beat` polls RSS feeds.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("qunfang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
