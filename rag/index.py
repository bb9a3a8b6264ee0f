"""Sections (and their sentences) → Chroma, through langchain-chroma; rebuilt only when a letter changes."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document

from rag.embeddings import MODEL_ID, E5EmbeddingFunction, E5Embeddings, set_threads
from rag.settings import Settings
from rag.structure import read_corpus
from rag.text import sentence_spans
from rag.types import Letter, Section

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]


@dataclass
class IndexReport:
    built: list[str] = field(default_factory=list)  # docs (re)indexed
    kept: list[str] = field(default_factory=list)  # docs already up to date
    removed: list[str] = field(default_factory=list)  # docs no longer in the corpus
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why) not readable letters
    repaired: str = ""  # why a damaged store was rebuilt
    sections: int = 0
    sentences: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        parts = []
        if self.built:
            parts.append(f"indexed {', '.join(self.built)} ({self.sections} sections, {self.sentences} sentences)")
        if self.kept:
            parts.append(f"up to date: {', '.join(self.kept)}")
        if self.removed:
            parts.append(f"removed: {', '.join(self.removed)}")
        if self.repaired:
            parts.append(self.repaired)
        if self.skipped:
            parts.append("skipped: " + ", ".join(f"{name} ({why})" for name, why in self.skipped))
        return "; ".join(parts) + f" in {self.seconds:.1f} s"


class StoreError(RuntimeError):
    """The index cannot be used (data folder unusable, Chroma server down); the message is one line
    that names the place and the setting to change."""


def check_data_dir(settings: Settings) -> None:
    """The data folder exists (or can be made) and takes writes; StoreError naming it otherwise."""
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as err:
        try:
            is_file = path.is_file()
        except OSError:  # not even visible to this user
            is_file = False
        why = "is a file, not a folder" if is_file else (err.strerror or str(err)).lower()
        raise StoreError(f"data folder {path} {why} — set RAG_DATA_DIR to a writable folder") from None


def make_client(settings: Settings) -> chromadb.ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        try:
            # ask first with a deadline: creating Chroma's client already waits on the server, with none
            httpx.get(f"http://{where}/api/v2/heartbeat", timeout=settings.store_timeout_s).raise_for_status()
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            # Chroma's HTTP client waits forever by default: every call gets the store timeout instead
            client._server._session.timeout = httpx.Timeout(settings.store_timeout_s, connect=min(2.0, settings.store_timeout_s))
            client.heartbeat()
        except Exception as err:  # connection refused, timeout, not a Chroma server
            raise StoreError(f"Chroma server {where} does not answer ({type(err).__name__}) — start it or unset "
                             f"RAG_CHROMA_HOST to use the embedded store") from None
        return client
    check_data_dir(settings)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def memory_client() -> chromadb.ClientAPI:
    """An in-memory store: answers still work when the data folder cannot be used (nothing is kept)."""
    return chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))


def section_document(section: Section, content_hash: str) -> Document:
    return Document(
        id=f"{section.doc}:{section.id}",
        page_content=section.text,
        metadata={
            "doc": section.doc,
            "section": section.id,
            "label": section.label,
            "title": section.title,
            "parent": section.parent or "",
            "offsets": json.dumps(section.spans),
            "content_hash": content_hash,
        },
    )


def sentence_documents(section: Section, content_hash: str) -> list[Document]:
    return [
        Document(
            id=f"{section.doc}:{section.id}:{start}",
            page_content=section.text[start:end],
            metadata={"doc": section.doc, "section": section.id, "start": start, "content_hash": content_hash},
        )
        for start, end in sentence_spans(section.text)
    ]


def _is_corruption(err: Exception) -> bool:
    text = str(err).lower()
    return any(k in text for k in ("not a database", "malformed", "database disk image", "no such table",
                                   "file is encrypted", "corrupt"))


def _drop_store(path) -> None:
    import gc
    import shutil

    gc.collect()  # let go of the handles of the damaged store before removing it
    shutil.rmtree(path, ignore_errors=True)
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # Chroma keeps one client per path: forget the damaged one


class LetterIndex:
    """The letters and their two Chroma collections: one record per section, one per sentence."""

    def __init__(self, settings: Settings, client: chromadb.ClientAPI | None = None):
        self.settings = settings
        self.repaired = ""  # why the embedded store was rebuilt from the corpus, if it was
        set_threads(settings.threads)  # before the model is first loaded
        self.embeddings = E5Embeddings(settings.embedding_variant)
        corpus = read_corpus(settings.corpus_dir)
        self.letters: list[Letter] = corpus.letters
        self.skipped = corpus.skipped  # files of the corpus folder that are not readable letters
        self.letter_text = "\n".join(letter.source for letter in self.letters)
        sqlite = settings.chroma_dir / "chroma.sqlite3"
        if client is None and not settings.chroma_host and sqlite.exists() and sqlite.stat().st_size < 100:
            # an empty or cut-off database (a crash, a full disk): Chroma would quietly start afresh and
            # leave the old vector folders behind; drop it all and say so
            self.repaired = f"the index at {settings.chroma_dir} was empty or cut off; rebuilt from the letters"
            log.warning(self.repaired)
            _drop_store(settings.chroma_dir)
        try:
            self.client = client or make_client(settings)
            self.sections = self._store(settings.collection)
            self.sentences = self._store(settings.collection + "_sentences")
        except Exception as err:
            if client is not None or settings.chroma_host or not _is_corruption(err):
                raise StoreError(f"the index cannot be opened ({type(err).__name__}: {err})") from err
            # The embedded store is a copy of the corpus: a damaged one is dropped and built again.
            self.repaired = f"the index at {settings.chroma_dir} was damaged ({err}); rebuilt from the letters"
            log.warning(self.repaired)
            _drop_store(settings.chroma_dir)
            self.client = make_client(settings)
            self.sections = self._store(settings.collection)
            self.sentences = self._store(settings.collection + "_sentences")

    def _store(self, name: str) -> Chroma:
        # Open the collection with our registered embedding function first, so Chroma records it in
        # the collection's config; langchain-chroma then reuses that collection as is.
        self.client.get_or_create_collection(
            name,
            embedding_function=E5EmbeddingFunction(self.settings.embedding_variant),
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": MODEL_ID},
        )
        return Chroma(collection_name=name, client=self.client, embedding_function=self.embeddings)

    def letter(self, doc: str) -> Letter:
        for letter in self.letters:
            if letter.doc == doc:
                return letter
        raise KeyError(doc)

    def stored_hashes(self) -> dict[str, str]:
        got = self.sections._collection.get(include=["metadatas"])
        return {m["doc"]: m["content_hash"] for m in got["metadatas"] or []}

    def ensure(self, progress: Progress | None = None, force: bool = False) -> IndexReport:
        """Index every letter whose content hash is not in the store yet; drop letters that are gone."""
        started = time.perf_counter()
        report = IndexReport(skipped=list(self.skipped), repaired=self.repaired)
        stored = self.stored_hashes()
        current = {letter.doc: letter for letter in self.letters}
        stale = [letter for letter in self.letters if force or stored.get(letter.doc) != letter.content_hash]
        report.kept = [d for d in current if d not in {letter.doc for letter in stale}]
        report.removed = [d for d in stored if d not in current]
        for doc in report.removed + [letter.doc for letter in stale if letter.doc in stored]:
            for store in (self.sections, self.sentences):
                store._collection.delete(where={"doc": doc})
        for letter in stale:
            section_docs = [section_document(s, letter.content_hash) for s in letter.sections]
            sentence_docs = [d for s in letter.sections for d in sentence_documents(s, letter.content_hash)]
            total = len(section_docs) + len(sentence_docs)
            done = 0
            for store, docs in ((self.sections, section_docs), (self.sentences, sentence_docs)):
                for i in range(0, len(docs), 16):
                    batch = docs[i : i + 16]
                    store.add_documents(batch, ids=[d.id for d in batch])
                    done += len(batch)
                    if progress:
                        progress(done, total, letter.doc)
            report.built.append(letter.doc)
            report.sections += len(section_docs)
            report.sentences += len(sentence_docs)
        report.seconds = time.perf_counter() - started
        if report.built or report.removed:
            log.info("index: %s", report.summary())
        return report

    def stored_sections(self) -> list[Document]:
        """Every section record as stored in Chroma (the lexical lane indexes these)."""
        got = self.sections._collection.get(include=["documents", "metadatas"])
        docs = [
            Document(id=i, page_content=t, metadata=m)
            for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])
        ]
        return sorted(docs, key=lambda d: (d.metadata["doc"], _id_key(d.metadata["section"])))


def _id_key(section_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in section_id.split("."))
