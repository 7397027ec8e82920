from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "qunfang.org"
    label = "org"
    verbose_name = _("组织与区域")

    def ready(self) -> None:
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability

        register(NavItem("command", _("区域总览"), "home", order=0))
        register(NavItem("org", _("区域与网格"), "org:regions", order=10))
        register(
            NavItem(
                "org",
                _("部门与人员"),
                "org:members",
                order=20,
                visible=lambda user: has_capability_anywhere(user, Capability.VIEW_MEMBERS),
            )
        )
