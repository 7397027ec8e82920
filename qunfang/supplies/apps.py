from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "qunfang.supplies"
    label = "supplies"
    verbose_name = _("物资保障")

    def ready(self) -> None:
        from qunfang.core.ledgers import register_ledger
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability
        from qunfang.supplies.ledgers import SUPPLIES_LEDGERS

        def manages(user) -> bool:
            return has_capability_anywhere(user, Capability.MANAGE_SUPPLIES)

        register(NavItem("supplies", _("物资总览"), "supplies:overview", 10, manages))
        register(NavItem("supplies", _("库存与预警"), "supplies:stock", 20, manages))
        register(NavItem("supplies", _("出入库记录"), "supplies:movements", 30, manages))
        for ledger in SUPPLIES_LEDGERS:
            register_ledger(ledger)
