"""The loopback fake of Slack, started for a test with the proxy variables out of the way."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.slack.fake import PROXY_VARS, FakeSlack


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    slack = FakeSlack()
    await slack.start()
    try:
        yield slack
    finally:
        await slack.close()
