"""Back office for publicity records: scoped like every admin, audited on save, never deleted
here. Announcements are published on the page (numbering, channels and the 村村响 programme
happen together there); the admin corrects their text only."""

from django.contrib import admin
from django.http import HttpRequest

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.org.admin import ScopedModelAdmin
from qunfang.org.roles import Capability
from qunfang.publicity.models import (
    Announcement,
    AnnouncementChannel,
    AnnouncementSeries,
    Article,
    ExpertBroadcast,
    MaterialDistribution,
    PressItem,
)


class PublicityAdmin(ScopedModelAdmin):
    view_capability = Capability.MANAGE_PUBLICITY
    edit_capability = Capability.MANAGE_PUBLICITY
    list_select_related = ["region"]
    raw_id_fields = ["region"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not change and hasattr(obj, "created_by_id"):
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=f"{obj._meta.verbose_name} {obj.pk}（后台）",
            region_code=obj.region.code,
            request=request,
            detail={"changed": form.changed_data},
        )


@admin.register(AnnouncementSeries)
class AnnouncementSeriesAdmin(PublicityAdmin):
    list_display = ["name", "region"]
    search_fields = ["name", "region__name"]


class ChannelInline(admin.TabularInline):
    model = AnnouncementChannel
    extra = 0
    fields = ["channel", "sent_at"]
    readonly_fields = ["channel", "sent_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Announcement)
class AnnouncementAdmin(PublicityAdmin):
    list_display = ["series", "number", "title", "issued_at", "region", "source_label"]
    list_filter = ["series__name"]
    list_select_related = ["series", "region"]
    search_fields = ["title", "series__name"]
    fields = ["series", "number", "region", "title", "body", "issued_at", "source_label"]
    readonly_fields = ["series", "number", "region", "issued_at"]
    inlines = [ChannelInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PressItem)
class PressItemAdmin(PublicityAdmin):
    list_display = ["published_on", "outlet", "level", "title", "region"]
    list_filter = ["level"]
    search_fields = ["outlet", "title"]
    exclude = ["created_by"]


@admin.register(Article)
class ArticleAdmin(PublicityAdmin):
    list_display = ["published_on", "account", "title", "reads", "reprints", "region"]
    search_fields = ["account", "title"]
    exclude = ["created_by"]


@admin.register(MaterialDistribution)
class MaterialDistributionAdmin(PublicityAdmin):
    list_display = ["distributed_on", "region", "kind", "title", "quantity"]
    list_filter = ["kind"]
    search_fields = ["title", "region__name"]
    exclude = ["created_by"]


@admin.register(ExpertBroadcast)
class ExpertBroadcastAdmin(PublicityAdmin):
    list_display = ["aired_on", "expert", "topic", "platform", "viewers", "region"]
    search_fields = ["expert", "topic"]
    exclude = ["created_by"]
