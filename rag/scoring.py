"""How much of a question a piece of the letter carries: IDF-weighted character bigrams for Chinese,
term groups for English, and a few shape tests (abbreviations, shared characters, head nouns)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from rag.questions import Question, alternatives, segmenter
from rag.retrieve import part_renderings, translate_groups, untranslated_words
from rag.text import normalize, sentence_spans
from rag.types import Letter

_NOT_IN_BIGRAM = re.compile(r"[\s，,。、；;：:“”《》（）()]")


@lru_cache(maxsize=4096)
def bigrams(text: str) -> frozenset[str]:
    t = normalize(text)
    return frozenset(t[i : i + 2] for i in range(len(t) - 1) if not _NOT_IN_BIGRAM.search(t[i : i + 2]))


class Scorer:
    def __init__(self, letters: Sequence[Letter]):
        sentences = [s.text[a:b] for letter in letters for s in letter.sections for a, b in sentence_spans(s.text)]
        df = Counter(g for sent in sentences for g in bigrams(sent))
        self.idf = {g: math.log(1 + len(sentences) / c) for g, c in df.items()}
        self.default_idf = math.log(1 + len(sentences))

    def weight(self, grams: frozenset[str]) -> float:
        return sum(self.idf.get(g, self.default_idf) for g in grams)

    def overlap(self, query: str, text: str) -> float:
        """IDF-weighted share of the query's character bigrams found in text (0..1)."""
        q = bigrams(query)
        total = self.weight(q)
        return self.weight(q & bigrams(text)) / total if total else 0.0

    def relevance(self, q: Question, text: str) -> float:
        """Share of the question found in text: bigrams for Chinese; for English, each term counts
        once if any of its Chinese renderings is there, longer (more specific) terms weighing more."""
        if not q.english:
            found, total, hit = bigrams(text), 0.0, 0.0
            for term in q.terms:
                # Nouns carry the topic; verbs are paraphrased freely (扶持/支持, 拿下/攻克): half weight.
                weight = (0.5 if term in q.verbs else 1.0) * self.weight(bigrams(term))
                # A term is found as itself or as the letter's word for it (大学 ~ 高校).
                share = max(self._share(bigrams(alt), found) for alt in [term, *alternatives(term)])
                total += weight
                hit += weight * share
            return hit / total if total else 0.0
        groups = translate_groups(q.text)
        if not groups:
            return 0.0
        folded = normalize(text)
        weights = [max(map(len, g)) for g in groups]
        parts = part_renderings(q.text) + ((),) * len(groups)
        # a term counts whole when one of its renderings is there, a third when only a part of it is
        hit = sum(w if any(normalize(alt) in folded for alt in g) else w / 3 if any(p in folded for p in part) else 0.0
                  for g, w, part in zip(groups, weights, parts))
        # A content word with no Chinese rendering is a part of the question the text cannot show.
        missed = len(untranslated_words(q.text))
        return hit / (sum(weights) + missed)

    def _share(self, grams: frozenset[str], found: frozenset[str]) -> float:
        total = self.weight(grams)
        return self.weight(grams & found) / total if total else 0.0


def head_noun(phrase: str, cache_dir: Path | None) -> str:
    """Chinese noun phrases end in their head: 银行贷款 → 贷款, 国家重点实验室 → 实验室."""
    if not phrase:
        return ""
    words = [w.word for w in segmenter(cache_dir).cut(phrase) if re.search(r"[\u4e00-\u9fff]", w.word)]
    if not words or len(words[-1]) < 2:
        return ""
    return words[-1][-2:] if len(words[-1]) >= 4 else words[-1]  # a long compound ends in its head too


def char_share(phrase: str, text: str) -> float:
    """Share of a phrase's Chinese characters found in text: 交易额 and 成交额 share most of theirs."""
    chars = re.findall(r"[\u4e00-\u9fff]", phrase)
    return sum(c in text for c in chars) / len(chars) if len(chars) >= 3 else 0.0


def abbreviation(short: str, text: str) -> float:
    """1.0 when a short phrase is an in-order abbreviation of a word in text (高企 → 高新技术企业)."""
    if not 2 <= len(short) <= 6 or not re.fullmatch(r"[\u4e00-\u9fff]+", short):
        return 0.0
    pattern = ".{0,4}".join(map(re.escape, short))
    return 1.0 if re.search(pattern, text) else 0.0
