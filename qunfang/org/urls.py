from django.urls import path

from qunfang.org import views

app_name = "org"

urlpatterns = [
    path("regions/", views.region_current, name="regions"),
    path("regions/switch/", views.region_switch, name="region_switch"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("regions/<str:code>/grids/", views.grid_create, name="grid_create"),
    path("members/", views.membership_list, name="members"),
]
