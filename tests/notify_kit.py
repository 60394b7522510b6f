"""Fixtures for a hall whose notifications go to the simulator: each test file names its own `hall`
(with `notify.channel = "simulator"`) and imports these two."""
from __future__ import annotations

import pytest

from hallq.notify.simulator import Simulator
from hallq.server.app import create_app
from tests.conftest import Server


@pytest.fixture
def simulator():
    return Simulator()


@pytest.fixture
def server(hall, clock, simulator):
    srv = Server(create_app(hall.db, clock=clock, notify_simulator=simulator))
    yield srv
    srv.stop()
