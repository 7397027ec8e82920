from django.urls import path

from qunfang.broadcast import api, views

app_name = "broadcast"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("terminals/", views.terminal_list, name="terminals"),
    path("terminals/new/", views.terminal_create, name="terminal_create"),
    path("terminals/<int:pk>/", views.terminal_detail, name="terminal"),
    path("terminals/<int:pk>/service/", views.terminal_service, name="terminal_service"),
    path("terminals/<int:pk>/report/", views.report_terminal, name="report_terminal"),
    path("report/", views.report, name="report"),
    path("faults/", views.fault_list, name="faults"),
    path("faults/<int:pk>/", views.fault_detail, name="fault"),
    path("faults/<int:pk>/dispatch/", views.fault_dispatch, name="dispatch"),
    path("orders/<int:pk>/arrive/", views.order_arrive, name="arrive"),
    path("orders/<int:pk>/close/", views.order_close, name="close"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("export/<slug:name>.<slug:fmt>", views.export, name="export"),
    path("api/heartbeats/", api.HeartbeatIngestApi.as_view(), name="api_heartbeats"),
    path("api/terminals/", api.TerminalListApi.as_view(), name="api_terminals"),
]
