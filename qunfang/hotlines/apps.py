from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlinesConfig(AppConfig):
    name = "qunfang.hotlines"
    label = "hotlines"
    verbose_name = _("热线")

    def ready(self) -> None:
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability

        def hotline(user) -> bool:
            return has_capability_anywhere(user, Capability.HANDLE_HOTLINE)

        def escalations(user) -> bool:
            return hotline(user) or has_capability_anywhere(user, Capability.VIEW_LEDGER)

        register(NavItem("hotline", _("热线总览"), "hotlines:overview", 10, hotline))
        register(NavItem("hotline", _("来电记录"), "hotlines:calls", 20, hotline))
        register(NavItem("hotline", _("值班排班"), "hotlines:shifts", 30, hotline))
        register(NavItem("hotline", _("困境儿童转介"), "hotlines:escalations", 40, escalations))
