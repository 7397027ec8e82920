from django.urls import path

from qunfang.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("join/<str:token>/", views.signup, name="signup"),
    path("join/<str:token>/done/", views.signup_done, name="signup_done"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/qr.svg", views.campaign_qr, name="campaign_qr"),
    path("campaigns/<int:pk>/poster/", views.campaign_poster, name="campaign_poster"),
    path("campaigns/<int:pk>/toggle/", views.campaign_toggle, name="campaign_toggle"),
    path("signups/", views.signup_list, name="signups"),
    path("signups/<int:pk>/vet/", views.signup_vet, name="signup_vet"),
    path("people/", views.volunteer_list, name="volunteers"),
    path("people/export.<str:fmt>", views.volunteer_export, name="volunteer_export"),
    path("people/<int:pk>/", views.volunteer_detail, name="volunteer"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("shifts/", views.shift_list, name="shifts"),
    path("shifts/new/", views.shift_create, name="shift_create"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift"),
    path("shifts/<int:pk>/assign/", views.shift_assign, name="shift_assign"),
    path("assignments/<int:pk>/check-in/", views.assignment_check_in, name="check_in"),
    path("assignments/<int:pk>/check-out/", views.assignment_check_out, name="check_out"),
    path("assignments/<int:pk>/cancel/", views.assignment_cancel, name="assignment_cancel"),
    path("mine/", views.my_shifts, name="my_shifts"),
    path("disinfection/", views.round_list, name="rounds"),
    path("disinfection/new/", views.round_schedule, name="round_schedule"),
    path("disinfection/<int:pk>/done/", views.round_done, name="round_done"),
    path("disinfection/<int:pk>/reopen/", views.round_reopen, name="round_reopen"),
    path("angels/", views.angels, name="angels"),
    path("angels/families/new/", views.family_create, name="family_create"),
    path("angels/needs/new/", views.need_create, name="need_create"),
    path("angels/needs/<int:pk>/match/", views.need_match, name="need_match"),
    path("angels/needs/<int:pk>/done/", views.need_done, name="need_done"),
    path("angels/enterprises/", views.enterprise_list, name="enterprises"),
]
