from django.urls import path

from qunfang.enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("list/", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/assign/", views.enterprise_assign, name="assign"),
    path("<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("<int:pk>/problems/new/", views.problem_create, name="problem_create"),
    path("<int:pk>/resumption/new/", views.resumption_create, name="resumption_create"),
    path("problems/<int:pk>/solve/", views.problem_solve, name="problem_solve"),
    path("fairs/", views.fair_list, name="fairs"),
    path("fairs/new/", views.fair_create, name="fair_create"),
    path("fairs/<int:pk>/", views.fair_detail, name="fair"),
    path("fairs/<int:pk>/publish/", views.fair_publish, name="fair_publish"),
    path("fairs/<int:pk>/entries/new/", views.entry_create, name="entry_create"),
    path("fairs/<int:pk>/applications/", views.application_list, name="applications"),
    path("fairs/<int:pk>/export/<slug:what>.<slug:fmt>", views.fair_export, name="fair_export"),
    path("entries/<int:pk>/vet/", views.entry_vet, name="entry_vet"),
    path("entries/<int:pk>/positions/new/", views.position_create, name="position_create"),
    path("positions/<int:pk>/close/", views.position_close, name="position_close"),
    path("applications/<int:pk>/status/", views.application_status, name="application_status"),
    # The job-seekers' pages: public, phone-first.
    path("jobs/", views.jobs_index, name="jobs"),
    path("jobs/<int:pk>/", views.jobs_fair, name="jobs_fair"),
    path("jobs/positions/<int:pk>/apply/", views.jobs_apply, name="jobs_apply"),
]
