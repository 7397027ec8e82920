from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView

from qunfang.opinion import api as opinion_api
from qunfang.org import api as org_api
from qunfang.org import views as org_views

api_patterns = [
    path("regions/", org_api.RegionListApi.as_view(), name="regions"),
    path("regions/<str:code>/", org_api.RegionDetailApi.as_view(), name="region"),
    path("memberships/", org_api.MembershipListApi.as_view(), name="memberships"),
    path("me/", org_api.MeApi.as_view(), name="me"),
    path("opinion/posts/", opinion_api.PostPushApi.as_view(), name="opinion_push"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("", org_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("qunfang.org.urls")),
    path("relief/", include("qunfang.relief.urls")),
    path("residents/", include("qunfang.residents.urls")),
    path("opinion/", include("qunfang.opinion.urls")),
    path("volunteers/", include("qunfang.volunteers.urls")),
    path("hotlines/", include("qunfang.hotlines.urls")),
    path("enterprises/", include("qunfang.enterprises.urls")),
    path("supplies/", include("qunfang.supplies.urls")),
    path("publicity/", include("qunfang.publicity.urls")),
    path("broadcast/", include("qunfang.broadcast.urls")),
    path("api/v1/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
]

admin.site.site_header = _("群防 Qunfang 后台管理")
admin.site.site_title = _("群防 Qunfang")
admin.site.index_title = _("后台管理")
