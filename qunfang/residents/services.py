"""Writes to the ledger: health checks, symptom alerts and revealing full personal data."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.core.audit import audit_record
from qunfang.core.crypto import decrypt
from qunfang.core.models import AuditEvent
from qunfang.residents.models import Alert, AlertStep, HealthCheck, Person
from qunfang.residents.rules import DEADLINES, FEVER_THRESHOLD, TEMPERATURE_RANGE, TRANSITIONS

TEMPERATURE_OUT_OF_RANGE = gettext_noop("体温应在 34.0–43.0 ℃ 之间")
METHOD_UNKNOWN = gettext_noop("请选择巡查方式：入户、电话或微信")
TRANSITION_REFUSED = gettext_noop("预警当前为“{current}”，不能改为“{target}”")
NOTE_REQUIRED = gettext_noop("确诊或排除须填写说明（如核酸结果、医院）")


def symptom_reasons(check: HealthCheck) -> list[str]:
    """Why a check raises an alert: fever ≥ 37.3 ℃ or any respiratory symptom."""
    reasons: list[str] = []
    if check.temperature is not None and check.temperature >= FEVER_THRESHOLD:
        reasons.append(f"体温{check.temperature}℃")
    if check.fever and not reasons:
        reasons.append("发热")
    if check.cough:
        reasons.append("咳嗽")
    if check.sore_throat:
        reasons.append("咽痛")
    if check.fatigue and reasons:
        reasons.append("乏力")
    return reasons


@transaction.atomic
def health_check_record(
    *,
    actor,
    person: Person,
    method: str,
    temperature: Decimal | None = None,
    fever: bool = False,
    cough: bool = False,
    fatigue: bool = False,
    sore_throat: bool = False,
    other_symptom: str = "",
    request=None,
) -> tuple[HealthCheck, Alert | None]:
    """Record one check; a fever or respiratory symptom raises an alert at once.

    A person who already has an open alert gets a note on it rather than a second alert.
    """
    if method not in HealthCheck.Method.values:
        raise ValidationError(_(METHOD_UNKNOWN))
    if temperature is not None and not (
        TEMPERATURE_RANGE[0] <= temperature <= TEMPERATURE_RANGE[1]
    ):
        raise ValidationError(_(TEMPERATURE_OUT_OF_RANGE))
    now = timezone.now()
    check = HealthCheck.objects.create(
        person=person,
        region=person.region,
        checked_on=timezone.localdate(now),
        checked_at=now,
        temperature=temperature,
        fever=fever or (temperature is not None and temperature >= FEVER_THRESHOLD),
        cough=cough,
        fatigue=fatigue,
        sore_throat=sore_throat,
        other_symptom=other_symptom.strip()[:100],
        method=method,
        checked_by=actor,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"健康巡查 人员{person.pk}",
        region_code=person.region.code,
        request=request,
    )
    reasons = symptom_reasons(check)
    if not reasons:
        return check, None
    open_alert = (
        Alert.objects.select_for_update()
        .filter(person=person)
        .exclude(status=Alert.Status.CLOSED)
        .first()
    )
    reason = "、".join(reasons)
    if open_alert is not None:
        AlertStep.objects.create(
            alert=open_alert,
            from_status=open_alert.status,
            to_status=open_alert.status,
            actor=actor,
            at=now,
            note=f"复查仍有症状：{reason}",
        )
        return check, open_alert
    alert = Alert.objects.create(
        person=person,
        region=person.region,
        health_check=check,
        reason=reason,
        status=Alert.Status.REPORTED,
        raised_at=now,
        status_changed_at=now,
        due_at=now + DEADLINES[Alert.Status.REPORTED],
    )
    AlertStep.objects.create(
        alert=alert, from_status="", to_status=alert.status, actor=actor, at=now, note=reason
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"症状预警 {alert.pk}",
        region_code=person.region.code,
        request=request,
    )
    return check, alert


@transaction.atomic
def alert_transition(*, actor, alert: Alert, to_status: str, note: str = "", request=None) -> Alert:
    """Move an alert along its life (rules.TRANSITIONS), recording who, when and why."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if to_status not in TRANSITIONS.get(alert.status, ()):
        raise ValidationError(
            _(TRANSITION_REFUSED).format(
                current=alert.get_status_display(),
                target=Alert.Status(to_status).label
                if to_status in Alert.Status.values
                else to_status,
            )
        )
    note = note.strip()[:300]
    if to_status in (Alert.Status.CLEARED, Alert.Status.CONFIRMED) and not note:
        raise ValidationError(_(NOTE_REQUIRED))
    now = timezone.now()
    AlertStep.objects.create(
        alert=alert, from_status=alert.status, to_status=to_status, actor=actor, at=now, note=note
    )
    alert.status = to_status
    alert.status_changed_at = now
    deadline = DEADLINES[to_status]
    alert.due_at = now + deadline if deadline else None
    alert.save(update_fields=["status", "status_changed_at", "due_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"症状预警 {alert.pk} → {to_status}",
        region_code=alert.region.code,
        request=request,
    )
    return alert


@transaction.atomic
def person_reveal(*, actor, person: Person, reason: str, request=None) -> dict[str, str]:
    """The full ID and phone numbers, for a role allowed to see them; every reveal is audited."""
    audit_record(
        action=AuditEvent.Action.READ,
        actor=actor,
        target=f"人员 {person.pk} 完整证件号/电话",
        region_code=person.region.code,
        request=request,
        detail={"person": person.pk, "reason": reason[:200]},
    )
    return {
        "id_number": decrypt(person.id_number),
        "phone": decrypt(person.phone),
        "guardian_phone": decrypt(person.guardian_phone),
    }
