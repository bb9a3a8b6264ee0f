"""Page tests run the real app against the real engine; state lives in the session's temporary folder
(`data_dir` of tests/conftest.py), so the index is built once for the whole run."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rag.settings import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


@pytest.fixture
def app_env(monkeypatch, data_dir: Path) -> Path:
    monkeypatch.setenv("RAG_DATA_DIR", str(data_dir))
    for var in ("RAG_LLM_BASE_URL", "RAG_LLM_MODEL", "RAG_CHROMA_HOST"):
        monkeypatch.delenv(var, raising=False)
    return data_dir


@pytest.fixture
def app(app_env) -> AppTest:
    """The page after its first run (which builds the index the first time)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run(timeout=120)
    assert not at.exception, at.exception
    return at
