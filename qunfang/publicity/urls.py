from django.urls import path

from qunfang.publicity import views

app_name = "publicity"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("announcements/", views.announcement_list, name="announcements"),
    path("announcements/new/", views.announcement_create, name="announcement_create"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement"),
    path("announcements/<int:pk>/channel/", views.announcement_channel, name="channel"),
    path("press/", views.press_list, name="press"),
    path("press/new/", views.press_create, name="press_create"),
    path("articles/", views.article_list, name="articles"),
    path("articles/new/", views.article_create, name="article_create"),
    path("articles/<int:pk>/counts/", views.article_counts, name="article_counts"),
    path("materials/", views.material_list, name="materials"),
    path("materials/new/", views.material_create, name="material_create"),
    path("experts/", views.expert_list, name="experts"),
    path("experts/new/", views.expert_create, name="expert_create"),
    path("export/<slug:name>.<slug:fmt>", views.export, name="export"),
]
