from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qunfang.core"
    label = "core"
    verbose_name = _("平台基础")

    def ready(self) -> None:
        from qunfang.core import audit  # noqa: F401  (connects the login/logout receivers)
