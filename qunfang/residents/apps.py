from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "qunfang.residents"
    label = "residents"
    verbose_name = _("民政台账")

    def ready(self) -> None:
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability

        def ledger(user) -> bool:
            return has_capability_anywhere(user, Capability.VIEW_LEDGER)

        def rounds(user) -> bool:
            return has_capability_anywhere(user, Capability.EDIT_RECORDS) and ledger(user)

        register(NavItem("residents", _("民政工作统计"), "residents:overview", 5, ledger))
        register(NavItem("residents", _("今日健康巡查"), "residents:round", 10, rounds))
        register(NavItem("residents", _("症状预警"), "residents:alerts", 20, ledger))
        register(NavItem("residents", _("户籍台账"), "residents:persons", 30, ledger))
        register(NavItem("residents", _("完整性核查"), "residents:audit", 40, ledger))
        register(NavItem("residents", _("导入台账"), "residents:import", 50, rounds))

        from qunfang.core.ledgers import Ledger, register_ledger
        from qunfang.residents import ledgers

        register_ledger(
            Ledger(
                spec=ledgers.PERSONS,
                write=ledgers.write_persons,
                export=ledgers.export_persons,
                stream=ledgers.stream_persons,
            )
        )
        register_ledger(
            Ledger(spec=ledgers.ROSTER, write=ledgers.write_roster, export=ledgers.export_roster)
        )
