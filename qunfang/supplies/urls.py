from django.urls import path

from qunfang.supplies import views

app_name = "supplies"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("stock/", views.stock, name="stock"),
    path("expiry/", views.expiry, name="expiry"),
    path("depots/", views.depot_list, name="depots"),
    path("depots/new/", views.depot_create, name="depot_create"),
    path("depots/<int:pk>/", views.depot_detail, name="depot"),
    path("depots/<int:pk>/threshold/", views.threshold_set, name="threshold"),
    path("movements/", views.movement_list, name="movements"),
    path("movements/<int:pk>/", views.movement_detail, name="movement"),
    path("movements/<int:pk>/receive/", views.transfer_receive, name="receive"),
    path("donations/new/", views.donation_create, name="donation_create"),
    path("procurements/new/", views.procurement_create, name="procurement_create"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("distributions/new/", views.distribution_create, name="distribution_create"),
    path("import/", views.import_donations, name="import"),
    path("import/template.xlsx", views.donation_template, name="template"),
    path("export/<slug:name>.<slug:fmt>", views.export, name="export"),
]
