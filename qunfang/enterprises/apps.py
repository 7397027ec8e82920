from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "qunfang.enterprises"
    label = "enterprises"
    verbose_name = _("企业服务与网络招聘")

    def ready(self) -> None:
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability

        def manages(user) -> bool:
            return has_capability_anywhere(user, Capability.MANAGE_ENTERPRISES)

        register(NavItem("enterprise", _("企业服务总览"), "enterprises:overview", 10, manages))
        register(NavItem("enterprise", _("企业台账"), "enterprises:list", 20, manages))
        register(NavItem("enterprise", _("网络招聘会"), "enterprises:fairs", 30, manages))
