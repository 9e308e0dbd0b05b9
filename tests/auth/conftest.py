from __future__ import annotations

import pytest
from starlette.applications import Starlette

from tests.auth.helpers import mailer


@pytest.fixture(autouse=True)
def empty_outbox(app: Starlette) -> None:
    """Every test starts with no captured mail (the mailer lives as long as the app)."""
    mailer(app).messages.clear()
