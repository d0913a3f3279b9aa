import pytest

from aftersales.refunds import providers


@pytest.fixture
def provider():
    """The fake provider, answering at once; a test may script its outcomes."""
    fake = providers.FakeProvider(delay=0, failure_rate=0, transient_rate=0, outcomes=[])
    providers.use(fake)
    yield fake
    providers.use(None)
