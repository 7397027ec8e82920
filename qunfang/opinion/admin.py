"""Back office for monitoring: read-only for posts, alerts, tickets and sources (their pages
enforce the workflow and audit each step); schemes and debunks editable with the same checks."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qunfang.opinion import services
from qunfang.opinion.models import Debunk, OpinionAlert, Post, Scheme, Source, Ticket
from qunfang.opinion.services import phrasings
from qunfang.org.admin import ScopedModelAdmin
from qunfang.org.roles import Capability


class ReadOnlyAdmin(ScopedModelAdmin):
    view_capability = Capability.VIEW_OPINION

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["published_at", "source", "text", "sentiment", "risk_level", "region_code"]
    list_filter = ["risk_level", "sentiment", "epidemic", "local"]
    search_fields = ["text", "external_id"]
    list_select_related = ["source"]
    show_full_result_count = False  # no COUNT(*) over millions of posts on every page


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "platform",
        "region",
        "accepted",
        "rejected_batches",
        "last_received_at",
    ]
    exclude = ["token_hash"]


@admin.register(OpinionAlert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "level", "status", "summary"]
    list_filter = ["kind", "status", "level"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "department", "owner", "deadline", "status"]
    list_filter = ["status"]


class SchemeAdminForm(forms.ModelForm):
    class Meta:
        model = Scheme
        fields = ["region", "name", "expression", "category", "is_active"]

    def clean_expression(self) -> str:
        expression = self.cleaned_data["expression"]
        services.scheme_check(expression)
        return expression


@admin.register(Scheme)
class SchemeAdmin(ScopedModelAdmin):
    view_capability = Capability.VIEW_OPINION
    edit_capability = Capability.MANAGE_OPINION
    form = SchemeAdminForm
    list_display = ["name", "region", "category", "is_active", "updated_at"]


class DebunkAdminForm(forms.ModelForm):
    """Other phrasings one per line, as on the debunk page. The model field is JSON, and the
    admin's raw JSON box had taken a number or an object (which stopped the engine from loading
    the library) and, on PostgreSQL, "\\u0000" (a server error)."""

    url = forms.URLField(label=_("链接"), max_length=500, required=False, assume_scheme="https")
    variants = forms.CharField(
        label=_("其他说法（每行一条）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = Debunk
        fields = [
            "region",
            "claim",
            "rebuttal",
            "source",
            "authority",
            "published_on",
            "url",
            "variants",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["variants"] = "\n".join(phrasings(self.instance.variants))

    def clean_variants(self) -> list[str]:
        return phrasings(self.cleaned_data["variants"].splitlines())


@admin.register(Debunk)
class DebunkAdmin(ScopedModelAdmin):
    view_capability = Capability.VIEW_OPINION
    edit_capability = Capability.MANAGE_OPINION
    form = DebunkAdminForm
    list_display = ["claim", "authority", "published_on", "region"]
