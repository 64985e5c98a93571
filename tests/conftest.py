"""Every test runs against an empty voices folder and can never reach the real model hub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _hermetic_voices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Session scope: module-scoped engines are made before any function fixture runs.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIVEBOT_VOICES_DIR", str(tmp_path_factory.mktemp("no-voices")))
        mp.setenv("HF_HUB_OFFLINE", "1")  # a test that downloads points HF_ENDPOINT at its mirror and unsets this
        mp.delenv("HF_ENDPOINT", raising=False)
        mp.delenv("HF_TOKEN", raising=False)
        yield
