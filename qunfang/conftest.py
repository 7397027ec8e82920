import pytest

from qunfang.org.testing import Cast, build_cast


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the cast's slice of the real region tree once; each test rolls back to it."""
    with django_db_blocker.unblock():
        build_cast()


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()
