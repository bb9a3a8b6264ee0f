"""Checks on a question before it reaches the pipeline: one clear message for each kind of bad input."""

from __future__ import annotations

import re
import unicodedata

from rag.settings import Settings


class BadQuestion(ValueError):
    """The question cannot be answered as given; the message is shown to the person as is."""


# C0 and C1 control characters (tab, newline and carriage return are whitespace, not control)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def decode_question(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadQuestion("问题不是有效的 UTF-8 文本 (question is not valid UTF-8)") from None


def clean_question(text: str, settings: Settings) -> str:
    """Return the question ready to answer, or raise BadQuestion with a one-line reason."""
    if text is None:
        raise BadQuestion("问题为空 (empty question)")
    if not isinstance(text, str):
        raise BadQuestion("问题不是文本 (question is not text)")
    if _SURROGATE.search(text):
        # what an undecodable byte becomes on the way in (surrogateescape): never valid text
        raise BadQuestion("问题不是有效的 UTF-8 文本 (question is not valid UTF-8)")
    if _CONTROL.search(text):
        raise BadQuestion("问题含有控制字符 (question contains control characters)")
    if "\ufffd" in text:
        raise BadQuestion("问题含有无法识别的字符，可能是编码错误 (undecodable characters)")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise BadQuestion("问题为空 (empty question)")
    if len(text) > settings.max_question_chars:
        raise BadQuestion(
            f"问题过长：{len(text)} 字，上限 {settings.max_question_chars} 字 "
            f"(question too long: {len(text)} > {settings.max_question_chars} characters)"
        )
    if not re.search(r"[\w\u4e00-\u9fff]", text):
        raise BadQuestion("问题里没有文字 (question has no words)")
    return " ".join(text.split())
