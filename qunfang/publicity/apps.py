from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "qunfang.publicity"
    label = "publicity"
    verbose_name = _("宣传发布")
