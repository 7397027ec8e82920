"""Writing the audit trail, and the receivers that log sign-in, sign-out and failed sign-in."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from qunfang.core.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    target: str = "",
    region_code: str = "",
    request: HttpRequest | None = None,
    success: bool = True,
    detail: dict | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one audit row. Call it inside the transaction of the change it records."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_name=actor_name or (actor.get_username() if actor is not None else ""),
        target=target[:200],
        region_code=region_code,
        ip=client_ip(request),
        success=success,
        detail=detail or {},
    )


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditEvent.Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the username is kept: the password Django already scrubbed, and nothing else is needed.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor_name=username,
        request=request,
        success=False,
    )
