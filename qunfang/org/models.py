from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.roles import CODE_LENGTH, Level, Role


class Region(models.Model):
    """A node of the region tree: an NBS division (province … village) or a user-made grid.

    `code` is the materialised path. NBS codes are hierarchical (a parent's code is a prefix of
    its children's), and grids extend their village's code, so "this node and everything below
    it" is one index range scan (see access.subtree_q: "1405" → code ∈ ["1405", "1406")).
    """

    SCOPE_PATH = "code"

    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"])]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("org:region", kwargs={"code": self.code})

    @property
    def display_name(self) -> str:
        """The name people say: 城关村委会 → 城关村, 多福巷社区居委会 → 多福巷社区."""
        name = self.name
        for suffix, keep in (
            ("社区居民委员会", "社区"),
            ("社区居委会", "社区"),
            ("村民委员会", "村"),
            ("村委会", "村"),
        ):
            if name.endswith(suffix):
                return name[: -len(suffix)] + keep
        return name

    @property
    def ancestor_codes(self) -> list[str]:
        return [
            self.code[:length] for length in sorted(CODE_LENGTH.values()) if length < len(self.code)
        ]

    @property
    def child_level(self) -> str | None:
        order = list(Level.values)
        index = order.index(self.level)
        return order[index + 1] if index + 1 < len(order) else None


class Department(TimeStampedModel):
    """A work group of the epidemic command structure, set up at one level of the tree."""

    SCOPE_PATH = "region__code"

    class Kind(models.TextChoices):
        COMMAND = "command", _("疫情处置工作指挥部")
        PUBLICITY = "publicity", _("宣传舆情组")
        YOUTH_LEAGUE = "youth_league", _("团委/志愿者")
        CIVIL_AFFAIRS = "civil_affairs", _("民政")
        SUPPLIES = "supplies", _("物资保障")
        HEALTH = "health", _("卫健")
        ENTERPRISE = "enterprise", _("企业服务")
        BROADCAST = "broadcast", _("广电/村村响")
        PUBLIC_SECURITY = "public_security", _("公安网监")
        DUTY_OFFICE = "duty_office", _("值班室")

    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="departments"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("部门/工作组")
        verbose_name_plural = _("部门/工作组")
        ordering = ["region__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.region.display_name}{self.name}"


class Membership(TimeStampedModel):
    """A user's place of work: a role in a region (and, optionally, a department there).

    The user sees the membership's region and everything below it; several memberships add up.
    """

    SCOPE_PATH = "region__code"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="memberships"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门/工作组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["region__code", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region", "role"], name="membership_unique_role_in_region"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.region.display_name} · {self.get_role_display()}"
