import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qunfang.e2e.conftest import login, shot
from qunfang.enterprises import services
from qunfang.enterprises.models import Application
from qunfang.enterprises.tests.conftest import add_enterprise
from qunfang.org.models import Department
from qunfang.org.services import department_create

pytestmark = pytest.mark.browser


def test_a_job_seeker_applies_on_a_phone_and_the_town_cadre_sees_it(phone, browser_cast):
    cast = browser_cast
    group = department_create(
        actor=cast.superuser,
        region=cast.district,
        kind=Department.Kind.ENTERPRISE,
        name="企业服务组",
    )
    enterprise = add_enterprise(cast.superuser, cast.village, "南村铸造有限公司", work_group=group)
    today = timezone.localdate()
    fair = services.fair_create(
        actor=cast.superuser,
        region=cast.district,
        organiser=group,
        title="泽州县首届线上招聘会",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=20),
        publish=True,
    )
    entry = services.entry_apply(actor=cast.superuser, fair=fair, enterprise=enterprise)
    entry = services.entry_vet(actor=cast.superuser, entry=entry, approve=True)
    position = services.position_add(
        actor=cast.superuser,
        entry=entry,
        title="铸造工",
        headcount=20,
        salary_min=4500,
        salary_max=6500,
        place="南村镇工业园",
        requirements="身体健康，能适应倒班",
    )

    # A job-seeker, not logged in, browses the fair on a phone.
    phone.goto("/enterprises/jobs/")
    phone.click(f"text={fair.title}")
    expect(phone.locator("h1")).to_contain_text(fair.title)
    card = phone.locator(f"#position-{position.pk}")
    expect(card).to_contain_text("4500–6500")
    expect(card).to_contain_text("南村铸造有限公司")
    shot(phone, "jobfair-browse")
    card.locator("text=投递申请").click()

    # A mistake first: the page explains it in Chinese and keeps what was typed.
    phone.fill("#id_name", "王强")
    phone.fill("#id_phone", "1360000")
    phone.click("form.qf-form button[type=submit]")
    expect(phone.locator("#id_phone_error")).to_contain_text("联系电话应为11位手机号")
    expect(phone.locator("form.qf-form")).to_contain_text("请勾选同意后再提交")
    expect(phone.locator("#id_name")).to_have_value("王强")
    # The honeypot sits off-screen: people never see it, robots fill it in.
    box = phone.locator("input[name=website]").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0
    shot(phone, "jobfair-apply-errors")

    phone.fill("#id_phone", "13600001111")
    phone.fill("#id_age", "28")
    phone.fill("#id_experience", "铸造厂工作五年")
    phone.check("#id_consent")
    phone.click("form.qf-form button[type=submit]")
    expect(phone.locator("#done")).to_contain_text("申请已提交")
    shot(phone, "jobfair-applied")
    application = Application.objects.get()
    assert (application.name, application.phone_masked) == ("王强", "136****1111")

    # The town cadre of the enterprise's town sees the application, masked.
    login(phone, "town_cadre")
    phone.click("summary")
    phone.click("nav.menu >> text=网络招聘会")
    phone.click(f"text={fair.title}")
    expect(phone.locator("p.summary")).to_contain_text(
        "目前申报企业1家，提供岗位20个，收到求职申请1份"
    )
    phone.get_by_role("link", name="求职申请", exact=True).click()
    row = phone.locator(f"#application-{application.pk}")
    expect(row).to_contain_text("王强")
    expect(row).to_contain_text("136****1111")
    expect(row).to_contain_text("铸造工")
    assert "13600001111" not in phone.content()  # nor in an attribute or a tel: link
    shot(phone, "jobfair-cadre-sees-application")
