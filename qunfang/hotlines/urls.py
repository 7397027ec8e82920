from django.urls import path, register_converter

from qunfang.hotlines import views


class KeyConverter:
    """A primary key of at most 18 digits: a longer one is no row (and PostgreSQL would refuse
    to compare it with a bigint), so the URL does not match and the answer is a plain 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(KeyConverter, "hotline_pk")

app_name = "hotlines"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("lines/", views.line_list, name="lines"),
    path("lines/new/", views.line_create, name="line_create"),
    path("shifts/", views.shift_list, name="shifts"),
    path("shifts/new/", views.shift_create, name="shift_create"),
    path("calls/", views.call_list, name="calls"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/export.<slug:fmt>", views.call_export, name="call_export"),
    path("calls/<hotline_pk:pk>/", views.call_detail, name="call"),
    path("calls/<hotline_pk:pk>/follow-up/", views.call_follow_up, name="call_follow_up"),
    path("calls/<hotline_pk:pk>/escalate/", views.call_escalate, name="call_escalate"),
    path("escalations/", views.escalation_list, name="escalations"),
    path("escalations/<hotline_pk:pk>/place/", views.escalation_place, name="escalation_place"),
    path("escalations/<hotline_pk:pk>/close/", views.escalation_close, name="escalation_close"),
]
