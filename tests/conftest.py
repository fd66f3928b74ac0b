import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test writes radius curves to a private cache, never to the user's."""
    monkeypatch.setenv("FASTSMOOTH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "curve-cache"))
    yield


def pytest_report_header(config):
    was = os.environ.get("FASTSMOOTH_CACHE_DIR")
    return f"fastsmooth cache for tests: private temporary directory (FASTSMOOTH_CACHE_DIR was {was!r})"
