from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    name = "qunfang.opinion"
    label = "opinion"
    verbose_name = _("舆情监测")

    def ready(self) -> None:
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability

        def reader(user) -> bool:
            return has_capability_anywhere(user, Capability.VIEW_OPINION)

        def anyone(user) -> bool:
            return bool(user and user.is_authenticated)

        register(NavItem("opinion", _("舆情总览"), "opinion:overview", 10, reader))
        register(NavItem("opinion", _("信息流"), "opinion:feed", 20, reader))
        register(NavItem("opinion", _("事件"), "opinion:events", 30, reader))
        register(NavItem("opinion", _("预警"), "opinion:alerts", 40, reader))
        # Owners of tickets may sit in any department: everyone sees their own tickets.
        register(NavItem("opinion", _("督办单"), "opinion:tickets", 50, anyone))
        register(NavItem("opinion", _("辟谣库"), "opinion:debunks", 60, reader))
        register(NavItem("opinion", _("监测方案"), "opinion:schemes", 70, reader))
        register(NavItem("opinion", _("信息源"), "opinion:sources", 80, reader))
