from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlinesConfig(AppConfig):
    name = "qunfang.hotlines"
    label = "hotlines"
    verbose_name = _("热线")
