"""Question → ranked sections: a Chinese lexical lane (character uni+bigram BM25), a dense lane (Chroma),
and an exact lane (figures and rare phrases the question repeats from the letter), fused by rank."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from langchain_community.retrievers import BM25Retriever
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.index import LetterIndex
from rag.text import char_ngrams, is_english, normalize

log = logging.getLogger(__name__)
DENSE_RETRY_S = 30.0  # after the vector store fails, how long the lexical lane answers alone
LEXICAL_CLEAR_LEAD = 1.3  # a Chinese question whose best section scores this many times the next needs no vectors
GLOSSARY_PATH = Path(__file__).with_name("glossary.tsv")
LETTER_GLOSSARY_PATH = Path(__file__).with_name("lexicon") / "glossary_letter.tsv"
_NUMBER_UNIT = re.compile(r"\d+(?:\.\d+)?\s*(?:万元|亿元|元|%|人次|个|家|项|名|次|件|所|条|人)?")


# Words that join the parts of a name: "base of equipment" and "base for equipment" are one term.
_JOINERS = frozenset("of for the a an in on to and".split())


def fold_english(text: str) -> str:
    """English folded for matching glossary terms: lower case, letters and digits, joining words
    dropped, a plural -s taken off ("strategic base of major technical equipment" matches the
    glossary's "strategic base for major technical equipment", "laboratories" its "laboratory")."""
    words = re.sub(r"[^a-z0-9\- ]+", " ", text.lower()).split()
    out = []
    for w in words:
        if w in _JOINERS:
            continue
        if w.endswith("ies") and len(w) > 4:
            w = w[:-3] + "y"
        elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 4:
            w = w[:-1]
        out.append(w)
    return " ".join(out)


@lru_cache(maxsize=1)
def glossary() -> list[tuple[str, list[str]]]:
    """English term → the Chinese words for it: the curated policy glossary first, then the
    renderings of the letter's own terms (lexicon/glossary_letter.tsv) for terms it lacks."""
    rows: dict[str, list[str]] = {}
    for path in (GLOSSARY_PATH, LETTER_GLOSSARY_PATH):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                en, zh = line.split("\t")
                rows.setdefault(en.strip().lower(), zh.strip().split("|"))
    return sorted(rows.items(), key=lambda r: -len(r[0]))  # longest phrase first


def _fold_word(word: str) -> str:
    return "" if word in _JOINERS else fold_english(word)


@lru_cache(maxsize=1)
def _glossary_entries() -> list[tuple[tuple[str, ...], bool, str, list[str]]]:
    """Every glossary term as words: exactly as written, and folded (joining words and plurals
    aside) when that differs. Most content words first, so a long name wins over its parts."""
    out = []
    for en, zh in glossary():
        out.append((tuple(en.split()), False, en, zh))
        folded = tuple(w for w in (_fold_word(x) for x in en.split()) if w)
        if len(folded) > 1 and folded != tuple(en.split()):
            out.append((folded, True, en, zh))
    return sorted(out, key=lambda e: (-len(e[0]), e[1], -len(e[2])))


def _glossary_matches(question: str) -> list[tuple[str, list[str]]]:
    return _match_glossary(question)[0]


@lru_cache(maxsize=1024)
def _match_glossary(question: str) -> tuple[list[tuple[str, list[str]]], list[str], list[bool]]:
    """The glossary terms a question holds (each word used once), longest first, and which words
    they used; a term is also found folded: "strategic base of major technical equipment" is the
    glossary's "…base for…"."""
    words = re.sub(r"[^a-z0-9\- ]+", " ", question.lower()).split()
    folded = [_fold_word(w) for w in words]
    used = [False] * len(words)
    found = []
    present = set(words) | set(folded)
    for key, is_folded, en, zh in _glossary_entries():
        if key[0] not in present:
            continue
        for i in range(len(words)):
            if span := _match_at(key, words, folded, used, i, is_folded):
                found.append((en, zh))
                for j in range(i, span):
                    used[j] = True
                break
    return found, words, used


def _is_frame(term: str, frame: frozenset[str]) -> bool:
    """"the letter", "the reply", "2018 targets" frame a question; they are not its topic."""
    words = term.split()
    return term in frame or (any(w.isdigit() for w in words) and all(w.isdigit() or w in frame or _fold_word(w) in frame
                                                                       for w in words))


def _match_at(key: tuple[str, ...], words, folded, used, i: int, is_folded: bool) -> int:
    """The end of a match of `key` starting at word i, or 0."""
    j, k = i, 0
    while k < len(key):
        if j >= len(words) or used[j]:
            return 0
        if is_folded and not folded[j] and k > 0:
            j += 1  # a joining word inside the name
            continue
        if (folded[j] if is_folded else words[j]) != key[k]:
            return 0
        j, k = j + 1, k + 1
    return j


def translate_groups(question: str) -> list[list[str]]:
    """For each English term of a question, the Chinese words that may stand for it (alternatives)."""
    return [list(group) for group in _translate_groups(question)]


@lru_cache(maxsize=1024)  # asked once per candidate sentence: the glossary has thousands of terms
def _translate_groups(question: str) -> tuple[tuple[str, ...], ...]:
    groups: list[list[str]] = []
    frame = english_stopwords()
    for en, zh in _glossary_matches(question):
        if not _is_frame(en, frame):
            groups.append(zh)
    groups.extend([y] for y in re.findall(r"\b(?:19|20)\d{2}\b", question))
    groups.extend([run] for run in re.findall(r"[\u4e00-\u9fff]{2,}", question))  # Chinese names kept as written
    return tuple(tuple(g) for g in groups)


@lru_cache(maxsize=1024)
def part_renderings(question: str) -> tuple[tuple[str, ...], ...]:
    """For each term translate_groups finds, the renderings of the glossary terms inside it: weaker
    evidence, for when the letter words a long term differently ("key technology breakthroughs":
    关键技术, 突破)."""
    frame, table, out = english_stopwords(), glossary_table(), []
    for en, zh in _glossary_matches(question):
        if not _is_frame(en, frame):
            out.append(tuple(z for part in _sub_phrases(en, frame) for z in table.get(part, ()) if z not in zh and len(z) >= 2))
    return tuple(out)


@lru_cache(maxsize=1)
def glossary_table() -> dict[str, list[str]]:
    return dict(glossary())


def _sub_phrases(phrase: str, frame: frozenset[str]) -> list[str]:
    """The glossary terms inside a longer one, longest first: a term is also found by its parts
    ("key technology breakthroughs" by 关键技术 and 突破, when the letter words it differently)."""
    words = phrase.split()
    table = glossary_table()
    found = []
    for size in range(len(words) - 1, 0, -1):
        for i in range(len(words) - size + 1):
            part = " ".join(words[i : i + size])
            if part in table and part not in frame and not any(part in f for f in found):
                found.append(part)
    return found


@lru_cache(maxsize=1)
def english_stopwords() -> frozenset[str]:
    path = GLOSSARY_PATH.with_name("lexicon") / "stopwords_en.txt"
    return frozenset(w for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#") for w in line.split())


@lru_cache(maxsize=1024)
def _untranslated(question: str) -> tuple[str, ...]:
    return tuple(_untranslated_list(question))


def untranslated_words(question: str) -> list[str]:
    return list(_untranslated(question))


def _untranslated_list(question: str) -> list[str]:
    """English content words of a question that the glossary has no Chinese for."""
    _, words, used = _match_glossary(question)
    return [w for w, u in zip(words, used) if not u and w not in english_stopwords() and not w.isdigit() and len(w) > 2]


def translate_terms(question: str) -> list[str]:
    """Chinese words for the English terms of a question (a lexical bridge, not a translation)."""
    return [word for group in translate_groups(question) for word in group]


def lexical_query(question: str) -> str:
    """The text the lexical lane scores: the question itself, plus Chinese terms for English words."""
    if not is_english(question):
        return question
    # the first rendering of each term: the letter's usual word, not every variant of it
    return question + " " + " ".join(group[0] for group in translate_groups(question))


@dataclass
class Retrieval:
    """Sections best first with fused scores, and the dense similarity of the best sentences."""

    question: str
    sections: list[tuple[Document, float]]
    sentence_similarity: dict[tuple[str, str, int], float] = field(default_factory=dict)
    exact: list[str] = field(default_factory=list)
    preferred: tuple[str, ...] = ()  # sections the conversation is about

    def section_ids(self) -> list[str]:
        return [d.metadata["section"] for d, _ in self.sections]


class HybridRetriever(BaseRetriever):
    """Ranks the sections stored in Chroma; `k` sections come back, best first, with their scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: LetterIndex
    bm25: BM25Retriever
    documents: list[Document]
    k: int = 4
    dense_paused_until: float = 0.0
    store_problem: str = ""  # the last failure of the vector store, for the page to show

    @classmethod
    def from_index(cls, index: LetterIndex, k: int = 4) -> HybridRetriever:
        documents = index.stored_sections()
        # Titles are repeated into the lexical text: a section's heading is its strongest signal.
        texts = [d.metadata["title"] + " " + d.page_content for d in documents]
        bm25 = BM25Retriever.from_texts(texts, metadatas=[d.metadata for d in documents], preprocess_func=char_ngrams)
        return cls(index=index, bm25=bm25, documents=documents, k=k)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [doc for doc, _ in self.rank(query).sections[: self.k]]

    def rank(self, question: str, prefer: tuple[str, ...] = (), prefer_weight: float = 0.2, dense: bool = True) -> Retrieval:
        """Every section, fused score first. `dense=False` leaves the vector lanes out (a Chinese sub-question
        of a comparison, whose words are the letter's: the text index finds it, and 20 ms are saved); a
        Chinese question whose best section leads the text lane clearly leaves them out too."""
        keys = [self._key(d) for d in self.documents]
        chinese = not is_english(question)
        # Score fusion (not rank fusion): each lane min-max normalised, so a clear lexical winner
        # is not outvoted by two near-ties of the dense lanes.
        lexical = self.bm25.vectorizer.get_scores(char_ngrams(lexical_query(question)))
        if chinese and dense and len(lexical) > 1:
            # A Chinese question in the letter's words has a clear lexical winner; only near-ties
            # (国家级高新区: 14.5 vs 14.4) need the vectors, which cost most of an answer's time.
            second, top = sorted(lexical)[-2:]
            dense = top < LEXICAL_CLEAR_LEAD * second
        dense_sections, dense_sentences = self._dense(question) if dense or not chinese else ([], [])
        by_sentence: dict[str, float] = {}
        for d, distance in dense_sentences:
            by_sentence.setdefault(self._key(d), -distance)
        lanes = [
            (1.0 if chinese else 0.8, dict(zip(keys, map(float, lexical)))),
            (0.3 if chinese else 0.5, {self._key(d): -distance for d, distance in dense_sections}),
            (0.3 if chinese else 0.7, by_sentence),
        ]
        exact = self.exact_hits(question)
        fused = {key: 0.0 for key in keys}
        for weight, scores in lanes:
            if not scores:
                continue
            low, high = min(scores.values()), max(scores.values())
            for key, value in scores.items():
                if key in fused and high > low:
                    fused[key] += weight * (value - low) / (high - low)
        for key in exact:
            fused[key] += 0.5  # a repeated figure or rare phrase of the letter
        for key in prefer:
            if key in fused:
                fused[key] += prefer_weight  # a conversation leans on the sections of the previous answer
        by_key = dict(zip(keys, self.documents))
        ranked = sorted(((by_key[k], s) for k, s in fused.items()), key=lambda p: -p[1])
        similarity = {
            (d.metadata["doc"], d.metadata["section"], int(d.metadata["start"])): 1.0 - float(distance)
            for d, distance in dense_sentences
        }
        return Retrieval(question, ranked, similarity, exact, tuple(prefer))

    def _dense(self, question: str) -> tuple[list, list]:
        """The vector lanes from Chroma; empty for a while when the store does not answer, so that the
        lexical lane keeps answering at once instead of every question waiting for a timeout."""
        if time.monotonic() < self.dense_paused_until:
            return [], []
        try:
            vector = self.index.embeddings.embed_query(question)
            return (self.index.sections.similarity_search_by_vector_with_relevance_scores(vector, k=12),
                    self.index.sentences.similarity_search_by_vector_with_relevance_scores(vector, k=12))
        except Exception as err:  # server down, hung past its timeout, or gone mid-session
            self.dense_paused_until = time.monotonic() + DENSE_RETRY_S
            self.store_problem = f"the vector store does not answer ({type(err).__name__}); answering from the text index"
            log.warning("%s; trying again in %.0f s", self.store_problem, DENSE_RETRY_S)
            return [], []

    def exact_hits(self, question: str) -> list[str]:
        """Sections that contain a figure or a rare 4-character phrase of the question verbatim."""
        q = normalize(question)
        hits: dict[str, int] = {}
        probes = [m.group(0).replace(" ", "") for m in _NUMBER_UNIT.finditer(q) if m.group(0)[-1:] not in "0123456789"]
        runs = re.findall(r"[\u4e00-\u9fff]{4,}", q)
        grams = {run[i : i + 4] for run in runs for i in range(len(run) - 3)}
        texts = {self._key(d): normalize(d.page_content) for d in self.documents}
        for gram in grams:
            holders = [k for k, t in texts.items() if gram in t]
            if 0 < len(holders) <= 2:
                for k in holders:
                    hits[k] = hits.get(k, 0) + 1
        for probe in probes:
            for k, t in texts.items():
                if re.search(r"(?<![\d.])" + re.escape(probe), t):
                    hits[k] = hits.get(k, 0) + 3
        return [k for k, _ in sorted(hits.items(), key=lambda kv: -kv[1])[:3]]

    @staticmethod
    def _key(doc: Document) -> str:
        return f"{doc.metadata['doc']}:{doc.metadata['section']}"


def make_retriever(index: LetterIndex, k: int = 4) -> HybridRetriever:
    return HybridRetriever.from_index(index, k=k)
