import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from qunfang.core.crypto import decrypt
from qunfang.core.models import AuditEvent
from qunfang.enterprises import services
from qunfang.enterprises.models import Application, Enterprise, FairEntry, Problem
from qunfang.enterprises.tests.conftest import add_enterprise, apply, today
from qunfang.org.models import Department
from qunfang.org.services import department_create


def errors_of(caught) -> dict[str, list[str]]:
    return caught.value.message_dict


def test_an_enterprise_is_registered_with_a_checked_unique_code_and_an_encrypted_phone(cast, ents):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_phone FROM enterprises_enterprise WHERE id = %s", [ents.own.pk]
        )
        (stored,) = cursor.fetchone()
    assert "13512345678" not in stored and decrypt(stored) == "13512345678"
    assert ents.own.contact_phone_masked == "135****5678"
    with pytest.raises(ValidationError) as caught:
        add_enterprise(cast.hq, cast.village, "冒名公司", credit_code=ents.own.credit_code.lower())
    assert errors_of(caught)["credit_code"] == [
        "已登记过这个统一社会信用代码的企业：南村铸造有限公司。"
    ]


def test_every_bad_field_of_an_enterprise_is_reported_at_once(cast):
    with pytest.raises(ValidationError) as caught:
        services.enterprise_create(
            actor=cast.hq,
            region=cast.district.parent,
            name=" ",
            credit_code="91350100M000100Y44",
            industry="?",
            size="huge",
            employees=-1,
            contact_name="",
            contact_phone="110",
        )
    assert set(errors_of(caught)) == {
        "name",
        "credit_code",
        "region",
        "industry",
        "size",
        "employees",
        "contact_name",
        "contact_phone",
    }
    assert Enterprise.objects.count() == 0


def test_a_work_group_must_sit_at_or_above_the_enterprise(cast, ents):
    elsewhere = department_create(
        actor=cast.superuser, region=cast.other_town, kind=Department.Kind.ENTERPRISE, name="组"
    )
    with pytest.raises(ValidationError) as caught:
        services.enterprise_assign(actor=cast.hq, enterprise=ents.own, work_group=elsewhere)
    assert errors_of(caught)["work_group"] == ["工作组须设在企业所在区域或其上级区域。"]
    town_group = department_create(
        actor=cast.superuser, region=cast.town, kind=Department.Kind.COMMAND, name="镇入企组"
    )
    assigned = services.enterprise_assign(actor=cast.hq, enterprise=ents.own, work_group=town_group)
    assert assigned.work_group == town_group


def test_visits_problems_and_their_solution(cast, ents):
    visit = services.visit_record(
        actor=cast.town_cadre,
        enterprise=ents.own,
        visited_on=today(),
        visitors="张三、李四",
        notes="企业复工缺口罩",
    )
    assert visit.work_group == ents.own.work_group  # defaults to the enterprise's group
    problem = services.problem_raise(
        actor=cast.town_cadre,
        enterprise=ents.own,
        category=Problem.Category.PROTECTIVE,
        description="缺口罩2000个",
        raised_on=today(),
        visit=visit,
    )
    with pytest.raises(ValidationError) as caught:
        services.problem_raise(
            actor=cast.town_cadre,
            enterprise=ents.sibling,
            category="bribe",
            description="",
            raised_on=today() + dt.timedelta(days=1),
            visit=visit,
        )
    assert set(errors_of(caught)) == {"category", "description", "raised_on", "visit"}
    with pytest.raises(ValidationError) as caught:
        services.problem_solve(
            actor=cast.town_cadre,
            problem=problem,
            resolution="",
            solved_on=today() - dt.timedelta(days=3),
        )
    assert set(errors_of(caught)) == {"resolution", "solved_on"}
    solved = services.problem_solve(
        actor=cast.town_cadre, problem=problem, resolution="协调物资保障组调拨口罩"
    )
    assert (solved.status, solved.solved_on, solved.solved_by) == (
        "solved",
        today(),
        cast.town_cadre,
    )
    with pytest.raises(ValidationError):
        services.problem_solve(actor=cast.town_cadre, problem=solved, resolution="再次")


def test_the_latest_resumption_report_is_the_current_status(cast, ents):
    services.resumption_report(
        actor=cast.hq,
        enterprise=ents.own,
        status="partial",
        reported_on=today(),
        workers_back=60,
    )
    services.resumption_report(
        actor=cast.hq,
        enterprise=ents.own,
        status="stopped",
        reported_on=today() - dt.timedelta(days=10),
        workers_back=0,
    )
    ents.own.refresh_from_db()
    assert (ents.own.resumption, ents.own.workers_back) == ("partial", 60)
    assert ents.own.reports.count() == 2
    with pytest.raises(ValidationError) as caught:
        services.resumption_report(
            actor=cast.hq, enterprise=ents.own, status="full", reported_on=today(), workers_back=121
        )
    assert errors_of(caught)["workers_back"] == ["返岗人数不能超过职工人数（120人）。"]
    with pytest.raises(ValidationError) as caught:
        services.resumption_report(
            actor=cast.hq,
            enterprise=ents.own,
            status="stopped",
            reported_on=today(),
            workers_back=3,
        )
    assert errors_of(caught)["workers_back"] == ["停工状态下返岗人数应为 0。"]


def test_entries_are_vetted_once_and_a_rejection_needs_a_reason(cast, fairs, ents):
    entry = services.entry_apply(actor=cast.hq, fair=fairs.fair, enterprise=ents.sibling)
    assert entry.status == FairEntry.Status.PENDING
    with pytest.raises(ValidationError) as caught:
        services.entry_apply(actor=cast.hq, fair=fairs.fair, enterprise=ents.sibling)
    assert errors_of(caught)["enterprise"] == ["该企业已申报这场招聘会。"]
    with pytest.raises(ValidationError) as caught:
        services.position_add(
            actor=cast.hq,
            entry=entry,
            title="普工",
            headcount=1,
            salary_min=3000,
            salary_max=4000,
            place="原家村",
        )
    assert errors_of(caught)["__all__"] == ["企业参会申报通过审核后才能发布岗位。"]
    with pytest.raises(ValidationError) as caught:
        services.entry_vet(actor=cast.hq, entry=entry, approve=False)
    assert errors_of(caught)["reason"] == ["不予通过须写明原因。"]
    rejected = services.entry_vet(actor=cast.hq, entry=entry, approve=False, reason="资质不全")
    assert rejected.status == FairEntry.Status.REJECTED
    with pytest.raises(ValidationError):
        services.entry_vet(actor=cast.hq, entry=entry, approve=True)


def test_a_position_is_validated(cast, fairs):
    with pytest.raises(ValidationError) as caught:
        services.position_add(
            actor=cast.hq,
            entry=fairs.own_entry,
            title="",
            headcount=0,
            salary_min=6000,
            salary_max=5000,
            place="",
        )
    errors = errors_of(caught)
    assert errors["headcount"] == ["招聘人数应为 1 到 1000 的整数。"]
    assert errors["salary_max"] == ["月薪上限不能低于下限。"]
    assert set(errors) == {"title", "headcount", "salary_max", "place"}
    with pytest.raises(ValidationError) as caught:
        services.position_add(
            actor=cast.hq,
            entry=fairs.own_entry,
            title="x",
            headcount=1,
            salary_min=10,
            salary_max=10**9,
            place="y",
        )
    assert set(errors_of(caught)) == {"salary_min", "salary_max"}


def test_a_second_application_by_the_same_phone_is_merged_and_counted(cast, fairs):
    first, created = apply(fairs.position, experience="五年铸造经验")
    assert created is True
    again, created = apply(fairs.position, name="王强", phone="136 0000 1111", age=30)
    assert created is False and again.pk == first.pk
    assert again.submissions == 2
    assert again.experience == "五年铸造经验" and again.age == 30
    _other, created = apply(fairs.position, name="李梅", phone="13600002222")
    assert created is True
    assert Application.objects.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM enterprises_application WHERE id = %s", [first.pk])
        (stored,) = cursor.fetchone()
    assert "13600001111" not in stored
    merged = AuditEvent.objects.filter(target__startswith="求职申请", detail__merged=True)
    assert merged.count() == 1


def test_applications_are_refused_for_bad_input_and_closed_positions(cast, fairs):
    with pytest.raises(ValidationError) as caught:
        apply(fairs.position, name="<script>", phone="12345", age=12)
    assert set(errors_of(caught)) == {"name", "phone", "age"}
    services.position_close(actor=cast.hq, position=fairs.position)
    with pytest.raises(ValidationError) as caught:
        apply(fairs.position)
    assert errors_of(caught)["__all__"] == ["这个岗位已停止招聘。"]
    fairs.foreign_fair.is_published = False
    fairs.foreign_fair.save()
    fairs.foreign_position.refresh_from_db()
    with pytest.raises(ValidationError):
        apply(fairs.foreign_position)
    assert Application.objects.count() == 0


def test_a_fair_ends_after_it_starts_and_an_ended_fair_takes_no_entries(cast, ents, group):
    with pytest.raises(ValidationError) as caught:
        services.fair_create(
            actor=cast.hq,
            region=cast.district,
            title="",
            starts_on=today(),
            ends_on=today() - dt.timedelta(days=1),
        )
    assert set(errors_of(caught)) == {"title", "ends_on"}
    old = services.fair_create(
        actor=cast.hq,
        region=cast.district,
        title="去年的招聘会",
        starts_on=today() - dt.timedelta(days=30),
        ends_on=today() - dt.timedelta(days=20),
    )
    with pytest.raises(ValidationError) as caught:
        services.entry_apply(actor=cast.hq, fair=old, enterprise=ents.own)
    assert errors_of(caught)["fair"] == ["这场招聘会已经结束。"]
