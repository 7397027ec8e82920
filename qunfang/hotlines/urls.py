from django.urls import path

from qunfang.hotlines import views

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
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/follow-up/", views.call_follow_up, name="call_follow_up"),
    path("calls/<int:pk>/escalate/", views.call_escalate, name="call_escalate"),
    path("escalations/", views.escalation_list, name="escalations"),
    path("escalations/<int:pk>/place/", views.escalation_place, name="escalation_place"),
    path("escalations/<int:pk>/close/", views.escalation_close, name="escalation_close"),
]
