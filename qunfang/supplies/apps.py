from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "qunfang.supplies"
    label = "supplies"
    verbose_name = _("物资保障")
