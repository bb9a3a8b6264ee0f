from pathlib import Path

import pytest

from rag.settings import REPO_ROOT, Settings


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("rag-data")


@pytest.fixture(scope="session")
def settings(data_dir) -> Settings:
    return Settings.for_tests(data_dir)


@pytest.fixture(scope="session")
def engine(settings):
    from rag.engine import load_engine

    return load_engine(settings)


@pytest.fixture(autouse=True)
def _state_in_tmp(monkeypatch, data_dir):
    """Anything that reads the environment writes under the session's temporary folder."""
    monkeypatch.setenv("RAG_DATA_DIR", str(data_dir))
    for var in ("RAG_CHROMA_HOST", "RAG_CHROMA_PORT", "RAG_LLM_BASE_URL", "RAG_LLM_MODEL", "RAG_LLM_API_KEY", "RAG_CORPUS_DIR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def letter_path() -> Path:
    return REPO_ROOT / "corpus" / "liaoning-reply-1383.txt"
