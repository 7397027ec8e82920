from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    name = "qunfang.opinion"
    label = "opinion"
    verbose_name = _("舆情监测")
