"""Prompt templates: plain files in prompts/, checked for their variables when loaded."""

from __future__ import annotations

from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

EXPECTED_VARIABLES = {"answer": {"question", "context", "not_found"}}


class PromptError(ValueError):
    pass


def load_prompt(prompts_dir: Path, name: str) -> ChatPromptTemplate:
    path = Path(prompts_dir) / f"{name}.txt"
    if not path.exists():
        raise PromptError(f"missing prompt file {path}")
    template = ChatPromptTemplate.from_template(path.read_text(encoding="utf-8"))
    found, expected = set(template.input_variables), EXPECTED_VARIABLES[name]
    if found != expected:
        missing, extra = sorted(expected - found), sorted(found - expected)
        raise PromptError(f"prompt {path.name}: missing variables {missing}, unexpected {extra}")
    return template
