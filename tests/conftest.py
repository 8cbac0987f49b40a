from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from billing_site.common import roles
from billing_site.common.pdf import shutdown_render_pool
from ledger.models import BusinessDay

from .factories import make_account, make_user


@pytest.fixture
def business_day(db: None) -> BusinessDay:
    return BusinessDay.objects.create(date=dt.date(2026, 11, 23))


@pytest.fixture
def alice(db: None) -> User:
    """Alice is a counter clerk."""
    return make_user("alice", roles.CLERK)


@pytest.fixture
def bob(db: None) -> User:
    """Bob is a customer account coordinator."""
    return make_user("bob", roles.COORDINATOR)


@pytest.fixture
def carol(db: None) -> User:
    """Carol is a supervisor."""
    return make_user("carol", roles.SUPERVISOR)


@pytest.fixture
def dave(db: None) -> User:
    """Dave is a field technician."""
    return make_user("dave", roles.FIELD_TECHNICIAN)


@pytest.fixture
def erin(db: None) -> User:
    """Erin is an auditor."""
    return make_user("erin", roles.AUDITOR)


@pytest.fixture
def frank(db: None) -> User:
    """Frank is an administrator."""
    return make_user("frank", roles.ADMINISTRATOR)


@pytest.fixture
def account(bob: User):
    return make_account(bob)


@pytest.fixture(scope="session", autouse=True)
def _render_workers_stop_before_the_test_database_goes(django_db_setup: None):
    """PDF render workers hold a connection to the test database: stop them first."""
    yield
    shutdown_render_pool()
