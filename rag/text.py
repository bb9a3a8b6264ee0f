"""Small text utilities shared by the stages: sentences, clauses, character n-grams."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE_END = "。；;！？!?"
_CLAUSE_END = _SENTENCE_END + "，,：:"


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def strip_markup(text: str) -> str:
    """A question's words without HTML: tags go, and so does script or style content."""
    text = re.sub(r"<(script|style)\b[^>]*>.*?</\1\s*>", " ", text, flags=re.I | re.S)
    return " ".join(re.sub(r"<[^>]*>", " ", text).split())


def is_english(text: str) -> bool:
    """Written mainly in English: Latin letters outnumber Chinese characters two to one, markup aside.

    A Chinese question may carry an acronym (GDP) or stray HTML tags; it stays Chinese.
    """
    plain = re.sub(r"<[^>]*>", " ", text)
    latin = len(re.findall(r"[A-Za-z]", plain))
    return latin > 2 * len(CJK.findall(plain)) or not has_cjk(plain)


@lru_cache(maxsize=16384)  # the same sentences are folded for every question
def normalize(text: str) -> str:
    """Fold full-width forms and case so that matching ignores them (never used for quoting)."""
    return unicodedata.normalize("NFKC", text).lower()


def spans(text: str, ends: str) -> list[tuple[int, int]]:
    """Split text at the given punctuation, keeping the punctuation; returns (start, end) pairs."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in ends or ch == "\n":
            if text[start : i + 1].strip():
                out.append((start, i + 1 if ch != "\n" else i))
            start = i + 1
    if text[start:].strip():
        out.append((start, len(text)))
    return [_trim(text, s, e) for s, e in out]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    return spans(text, _SENTENCE_END)


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def enclosing(spans_: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for s, e in spans_:
        if s <= pos < e:
            return s, e
    return spans_[-1] if spans_ else (0, 0)


def clause_spans(text: str) -> list[tuple[int, int]]:
    return spans(text, _CLAUSE_END)


def char_ngrams(text: str) -> list[str]:
    """Character unigrams + bigrams of the CJK/alnum runs: the lexical units for Chinese BM25."""
    text = normalize(text)
    tokens: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]+|[a-z0-9.%]+", text):
        if CJK.match(run):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return tokens


# Five-year plans name their years: “十二五” is 2011–2015.
_PLAN_START = {"十一五": 2006, "十二五": 2011, "十三五": 2016, "十四五": 2021, "十五五": 2026}


def plan_years(text: str) -> list[int]:
    years: list[int] = []
    for name, start in _PLAN_START.items():
        if name in text:
            years.extend(range(start, start + 5))
    return years
