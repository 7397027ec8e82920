"""Project choices for health checks and alerts, in one place so tests and pages read them."""

import datetime as dt
from decimal import Decimal

from qunfang.residents.models import Alert

FEVER_THRESHOLD = Decimal("37.3")  # ℃, the seed period's screening threshold
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
STALE_DAYS = 3  # a vulnerable person unchecked this long shows in the completeness audit

S = Alert.Status
# The alert's life: reported → isolated (home/centralised) or referred → cleared or confirmed
# → closed. Isolation may still lead to a referral.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.REPORTED: (S.ISOLATED_HOME, S.ISOLATED_CENTRAL, S.REFERRED),
    S.ISOLATED_HOME: (S.REFERRED, S.CLEARED, S.CONFIRMED),
    S.ISOLATED_CENTRAL: (S.REFERRED, S.CLEARED, S.CONFIRMED),
    S.REFERRED: (S.CLEARED, S.CONFIRMED),
    S.CLEARED: (S.CLOSED,),
    S.CONFIRMED: (S.CLOSED,),
    S.CLOSED: (),
}
# How long each state may last before the alert is overdue.
DEADLINES: dict[str, dt.timedelta | None] = {
    S.REPORTED: dt.timedelta(hours=2),
    S.ISOLATED_HOME: dt.timedelta(days=14),
    S.ISOLATED_CENTRAL: dt.timedelta(days=14),
    S.REFERRED: dt.timedelta(days=2),
    S.CLEARED: dt.timedelta(days=1),
    S.CONFIRMED: dt.timedelta(days=1),
    S.CLOSED: None,
}
OPEN_STATUSES = tuple(status for status in S.values if status != S.CLOSED)
del S
