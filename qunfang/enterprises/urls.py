from django.urls import path, register_converter

from qunfang.enterprises import views


class KeyConverter:
    """A primary key of at most 18 digits: a longer one is no row (and PostgreSQL would refuse
    to compare it with a bigint), so the URL does not match and the answer is a plain 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(KeyConverter, "enterprise_pk")

app_name = "enterprises"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("list/", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("<enterprise_pk:pk>/", views.enterprise_detail, name="detail"),
    path("<enterprise_pk:pk>/assign/", views.enterprise_assign, name="assign"),
    path("<enterprise_pk:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("<enterprise_pk:pk>/problems/new/", views.problem_create, name="problem_create"),
    path("<enterprise_pk:pk>/resumption/new/", views.resumption_create, name="resumption_create"),
    path("problems/<enterprise_pk:pk>/solve/", views.problem_solve, name="problem_solve"),
    path("fairs/", views.fair_list, name="fairs"),
    path("fairs/new/", views.fair_create, name="fair_create"),
    path("fairs/<enterprise_pk:pk>/", views.fair_detail, name="fair"),
    path("fairs/<enterprise_pk:pk>/publish/", views.fair_publish, name="fair_publish"),
    path("fairs/<enterprise_pk:pk>/entries/new/", views.entry_create, name="entry_create"),
    path("fairs/<enterprise_pk:pk>/applications/", views.application_list, name="applications"),
    path(
        "fairs/<enterprise_pk:pk>/export/<slug:what>.<slug:fmt>",
        views.fair_export,
        name="fair_export",
    ),
    path("entries/<enterprise_pk:pk>/vet/", views.entry_vet, name="entry_vet"),
    path(
        "entries/<enterprise_pk:pk>/positions/new/", views.position_create, name="position_create"
    ),
    path("positions/<enterprise_pk:pk>/close/", views.position_close, name="position_close"),
    path(
        "applications/<enterprise_pk:pk>/status/",
        views.application_status,
        name="application_status",
    ),
    # The job-seekers' pages: public, phone-first.
    path("jobs/", views.jobs_index, name="jobs"),
    path("jobs/<enterprise_pk:pk>/", views.jobs_fair, name="jobs_fair"),
    path("jobs/positions/<enterprise_pk:pk>/apply/", views.jobs_apply, name="jobs_apply"),
]
