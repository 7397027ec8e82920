from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "qunfang.publicity"
    label = "publicity"
    verbose_name = _("宣传发布")

    def ready(self) -> None:
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability

        def publicity(user) -> bool:
            return has_capability_anywhere(user, Capability.MANAGE_PUBLICITY)

        register(NavItem("publicity", _("宣传发布"), "publicity:overview", 10, publicity))
