import json
from pathlib import Path

from qunfang.org.roles import ROLE_CAPABILITIES, ROLE_LEVELS, Role

SNAPSHOT = Path(__file__).with_name("role_matrix.json")


def test_the_role_matrix_matches_the_reviewed_snapshot():
    """A change to who may do what fails here until role_matrix.json is updated in review."""
    matrix = {role: sorted(caps) for role, caps in ROLE_CAPABILITIES.items()}
    assert matrix == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_every_role_has_capabilities_and_levels():
    assert set(ROLE_CAPABILITIES) == set(Role.values)
    assert set(ROLE_LEVELS) == set(Role.values)


def test_the_auditor_edits_nothing():
    assert ROLE_CAPABILITIES[Role.AUDITOR] == {"view_dashboard", "view_audit"}
