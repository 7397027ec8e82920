from django.urls import path

from qunfang.relief import views

app_name = "relief"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("assistance/", views.assistance_list, name="assistance"),
    path("assistance/new/", views.assistance_create, name="assistance_create"),
    path("assistance/<int:pk>/paperwork/", views.assistance_paperwork, name="paperwork"),
    path("care/", views.care_list, name="care"),
    path("care/new/", views.care_create, name="care_create"),
    path("care/<int:pk>/end/", views.care_end, name="care_end"),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/update/", views.event_update, name="event_update"),
    path("wechat/", views.wechat_list, name="wechat"),
    path("wechat/new/", views.wechat_create, name="wechat_create"),
]
