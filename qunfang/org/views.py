from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qunfang.core.redirects import back_to
from qunfang.org import selectors, services
from qunfang.org.access import access_region, can, has_capability_anywhere
from qunfang.org.current import current_region, set_current_region
from qunfang.org.forms import GridForm, MembershipFilterForm, RegionSwitchForm
from qunfang.org.roles import Capability, Level


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    region = current_region(request)
    if region is None:
        return render(request, "org/no_scope.html", status=403)
    return render(
        request,
        "org/home.html",
        {
            "region": region,
            "stats": selectors.region_stats(request.user, region),
            "children": selectors.region_children(request.user, region),
            "levels": Level,
        },
    )


@require_GET
@login_required
def region_current(request: HttpRequest) -> HttpResponse:
    region = current_region(request)
    if region is None:
        return render(request, "org/no_scope.html", status=403)
    return redirect(region)


@require_GET
@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = access_region(request.user, code)
    request.region = region
    memberships = (
        selectors.membership_list(request.user, region=region).filter(region=region)
        if can(request.user, Capability.VIEW_MEMBERS, region.code)
        else None
    )
    return render(
        request,
        "org/region_detail.html",
        {
            "region": region,
            "stats": selectors.region_stats(request.user, region),
            "children": selectors.region_children(request.user, region),
            "memberships": memberships,
            "departments": selectors.department_list(request.user).filter(region=region),
            "can_add_grid": region.level == Level.VILLAGE
            and can(request.user, Capability.MANAGE_GRIDS, region.code),
            "grid_form": GridForm(),
            "levels": Level,
        },
    )


@require_POST
@login_required
def grid_create(request: HttpRequest, code: str) -> HttpResponse:
    village = access_region(request.user, code)
    if not can(request.user, Capability.MANAGE_GRIDS, village.code):
        raise PermissionDenied
    form = GridForm(request.POST)
    if form.is_valid():
        try:
            grid = services.grid_create(
                actor=request.user, village=village, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已新建网格“%(name)s”。") % {"name": grid.name})
    else:
        messages.error(request, _("请填写网格名称（不超过100字）。"))
    return redirect(village)


@require_POST
@login_required
def region_switch(request: HttpRequest) -> HttpResponse:
    form = RegionSwitchForm(request.POST)
    if not form.is_valid():
        return redirect("home")
    region = access_region(request.user, form.cleaned_data["code"])
    set_current_region(request, region)
    return back_to(request, form.cleaned_data["next"], region)


@require_GET
@login_required
def membership_list(request: HttpRequest) -> HttpResponse:
    if not has_capability_anywhere(request.user, Capability.VIEW_MEMBERS):
        raise PermissionDenied
    region = current_region(request)
    form = MembershipFilterForm(request.GET)
    role = form.cleaned_data["role"] if form.is_valid() else ""
    memberships = selectors.membership_list(request.user, region=region, role=role)
    page = Paginator(memberships, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/membership_list.html",
        {"region": region, "page": page, "form": form},
    )
