from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroadcastConfig(AppConfig):
    name = "qunfang.broadcast"
    label = "broadcast"
    verbose_name = _("村村响广播")

    def ready(self) -> None:
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability

        def publicity(user) -> bool:
            return has_capability_anywhere(user, Capability.MANAGE_PUBLICITY)

        register(NavItem("publicity", _("村村响广播"), "broadcast:overview", 20, publicity))
        register(NavItem("publicity", _("喇叭不响了？"), "broadcast:report", 30, publicity))
