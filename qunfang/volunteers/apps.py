from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "qunfang.volunteers"
    label = "volunteers"
    verbose_name = _("志愿服务")
