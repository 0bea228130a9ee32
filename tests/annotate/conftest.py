"""People of a project, by role, for the annotation tests (each test file builds its project)."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def editor():
    return UserFactory()


@pytest.fixture
def reviewer():
    return UserFactory()


@pytest.fixture
def other_reviewer():
    return UserFactory()


@pytest.fixture
def viewer():
    return UserFactory()


@pytest.fixture
def reviewers():
    """Three reviewers, for queue and agreement tests that need more than one."""
    return UserFactory.create_batch(3)
