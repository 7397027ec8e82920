from django.urls import path

from qunfang.residents import views

app_name = "residents"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("round/", views.health_round, name="round"),
    path("round/<int:pk>/check/", views.health_check, name="check"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/transition/", views.alert_transition, name="alert_transition"),
    path("persons/", views.person_list, name="persons"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("import/", views.import_ledger, name="import"),
    path("templates/<slug:name>.xlsx", views.ledger_template, name="template"),
    path("export/<slug:name>.<slug:fmt>", views.ledger_export, name="export"),
    path("audit/", views.audit, name="audit"),
]
