from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "qunfang.volunteers"
    label = "volunteers"
    verbose_name = _("志愿服务")

    def ready(self) -> None:
        from qunfang.core.navigation import NavItem, register
        from qunfang.org.access import has_capability_anywhere
        from qunfang.org.roles import Capability

        def manages(user) -> bool:
            return has_capability_anywhere(user, Capability.MANAGE_VOLUNTEERS)

        def serves(user) -> bool:
            from qunfang.volunteers.models import Team, Volunteer

            if not getattr(user, "is_authenticated", False):
                return False
            return (
                Volunteer.objects.filter(user=user).exists()
                or Team.objects.filter(leader__user=user).exists()
            )

        for order, (label, url_name) in enumerate(
            [
                (_("志愿服务总览"), "volunteers:overview"),
                (_("招募令与报名"), "volunteers:campaigns"),
                (_("志愿者与小分队"), "volunteers:volunteers"),
                (_("值守排班"), "volunteers:shifts"),
                (_("防疫消杀"), "volunteers:rounds"),
                (_("守护天使行动"), "volunteers:angels"),
            ]
        ):
            register(NavItem("volunteers", label, url_name, 10 + order, manages))
        register(NavItem("volunteers", _("我的值守"), "volunteers:my_shifts", 5, serves))
