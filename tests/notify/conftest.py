from __future__ import annotations

import pytest

from aftersales.notify.channels import FakeSms
from tests.notify.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture(autouse=True)
def _no_texts_left_over():
    FakeSms.sent.clear()
    yield
    FakeSms.sent.clear()
