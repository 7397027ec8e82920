from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroadcastConfig(AppConfig):
    name = "qunfang.broadcast"
    label = "broadcast"
    verbose_name = _("村村响广播")
