from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReliefConfig(AppConfig):
    name = "qunfang.relief"
    label = "relief"
    verbose_name = _("临时救助与关爱")

    def ready(self) -> None:
        from qunfang.core.ledgers import register_ledger
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability
        from qunfang.relief.ledgers import RELIEF_LEDGERS

        def ledger(user) -> bool:
            return has_capability_anywhere(user, Capability.VIEW_LEDGER)

        register(NavItem("residents", _("临时救助与关爱"), "relief:overview", 60, ledger))
        for item in RELIEF_LEDGERS:
            register_ledger(item)
