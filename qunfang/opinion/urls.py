from django.urls import path

from qunfang.opinion import views

app_name = "opinion"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("feed/", views.feed, name="feed"),
    path("feed/export.xlsx", views.feed_export, name="feed_export"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("schemes/", views.scheme_list, name="schemes"),
    path("schemes/new/", views.scheme_edit, name="scheme_new"),
    path("schemes/test/", views.scheme_test, name="scheme_test"),
    path("schemes/<int:pk>/", views.scheme_edit, name="scheme_edit"),
    path("sources/", views.source_list, name="sources"),
    path("sources/new/", views.source_new, name="source_new"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
    path("sources/<int:pk>/token/", views.source_token, name="source_token"),
    path("sources/<int:pk>/upload/", views.source_upload, name="source_upload"),
    path("events/", views.event_list, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/dismiss/", views.alert_dismiss, name="alert_dismiss"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("debunks/", views.debunk_list, name="debunks"),
    path("debunks/new/", views.debunk_new, name="debunk_new"),
    path("debunks/<int:pk>/", views.debunk_detail, name="debunk"),
]
