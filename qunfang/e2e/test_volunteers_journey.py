import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from qunfang.e2e.conftest import PHONE, login, shot
from qunfang.volunteers import services
from qunfang.volunteers.models import Assignment, SignUp, Volunteer
from qunfang.volunteers.tests.conftest import make_campaign, make_id_number, make_volunteer

pytestmark = pytest.mark.browser


def test_a_person_signs_up_through_the_qr_page_and_a_cadre_approves_them(
    phone, browser, live_server, browser_cast
):
    cast = browser_cast
    cache.clear()
    campaign = make_campaign(cast.superuser, cast.town, "南村镇青年志愿者招募令")

    # The town cadre prints the QR code: the page shows it and the address it encodes.
    login(phone, "town_cadre")
    phone.click("summary")
    phone.click("nav.menu >> text=招募令与报名")
    phone.click(f"text={campaign.title}")
    qr = phone.locator(".qr img")
    expect(qr).to_be_visible()
    qr.evaluate("img => img.decode()")  # resolves once the SVG has loaded and drawn
    assert qr.evaluate("img => img.naturalWidth") > 100
    svg = phone.request.get(qr.get_attribute("src"))
    assert svg.ok and svg.headers["content-type"] == "image/svg+xml"
    address = phone.locator("#signup-link").inner_text()
    assert address.endswith(f"/volunteers/join/{campaign.token}/")
    shot(phone, "volunteers-campaign-qr")

    # A person scans it on their own phone: no login.
    person = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    person.goto(address)
    expect(person.locator("h1")).to_have_text(campaign.title)
    id_number = make_id_number(dt.date(1998, 7, 16))
    person.fill("#id_name", "赵青")
    person.fill("#id_id_number", id_number[:-1] + ("0" if id_number[-1] != "0" else "1"))
    person.fill("#id_phone", "13912340000")
    person.select_option("#id_region", cast.village.code)
    person.check("input[name=skills][value=driving]")
    person.check("input[name=days][value='5']")
    person.check("input[name=slots][value=morning]")
    person.check("#id_health_declared")
    person.check("#id_consent")
    trap = person.locator("#id_website").bounding_box()  # the honeypot sits off screen
    assert trap is None or trap["x"] + trap["width"] <= 0
    person.click("#signup-form button[type=submit]")
    expect(person.locator("#id_id_number_error")).to_contain_text("校验位错误")
    shot(person, "volunteers-signup-error")

    person.fill("#id_id_number", id_number)
    person.click("#signup-form button[type=submit]")
    expect(person.locator(".ok-box")).to_contain_text("报名已提交")
    shot(person, "volunteers-signup-done")
    person.context.close()
    signup = SignUp.objects.get(campaign=campaign)
    assert signup.region == cast.village and signup.status == "pending"

    # The village cadre vets it on a phone.
    phone.context.clear_cookies()
    login(phone, "village_cadre")
    phone.goto("/volunteers/signups/")
    row = phone.locator(f"#signup-{signup.pk}")
    expect(row).to_contain_text("赵青")
    expect(row).to_contain_text(id_number[:6] + "********" + id_number[-4:])
    assert id_number not in phone.content() and "13912340000" not in phone.content()
    row.locator("button", has_text="通过").first.click()
    expect(phone.locator(".messages")).to_contain_text("赵青已通过审核，成为志愿者。")
    shot(phone, "volunteers-vetted")
    volunteer = Volunteer.objects.get(name="赵青")
    assert volunteer.region == cast.village and volunteer.skills == ["driving"]

    phone.goto("/volunteers/")
    expect(phone.locator(".summary-text")).to_contain_text("招募志愿者1人")


def test_a_volunteer_checks_in_and_out_of_a_shift_on_a_phone(phone, browser_cast):
    cast = browser_cast
    campaign = make_campaign(cast.superuser, cast.town)
    volunteer = make_volunteer(cast.superuser, campaign, cast.village, name="孙晓")
    services.volunteer_update(
        actor=cast.superuser,
        volunteer=volunteer,
        team=None,
        is_core=False,
        grid=None,
        status="active",
        user=cast.volunteer,
    )
    start = timezone.now() - dt.timedelta(minutes=20)
    shift = services.shift_create(
        actor=cast.superuser,
        region=cast.village,
        category="checkpoint",
        place="南村高速口卡点",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        needed=2,
    )
    assignment = services.shift_assign(actor=cast.superuser, shift=shift, volunteer=volunteer)

    login(phone, "volunteer")
    phone.click("summary")
    phone.click("nav.menu >> text=我的值守")
    card = phone.locator(f"#mine-{assignment.pk}")
    expect(card).to_contain_text("卡口检测 · 南村高速口卡点")
    shot(phone, "volunteers-my-shift")
    card.locator("button", has_text="签到").click()
    expect(phone.locator(".messages")).to_contain_text("孙晓已签到。")
    expect(phone.locator(f"#mine-{assignment.pk}")).to_contain_text("已签到")
    phone.locator(f"#mine-{assignment.pk} button", has_text="签退").click()
    expect(phone.locator(".messages")).to_contain_text("孙晓已签退")
    expect(phone.locator(f"#mine-{assignment.pk}")).to_contain_text("已签退")
    shot(phone, "volunteers-checked-out")

    assignment = Assignment.objects.get(pk=assignment.pk)
    assert assignment.checked_in_by == cast.volunteer
    assert assignment.checked_out_at >= assignment.checked_in_at
