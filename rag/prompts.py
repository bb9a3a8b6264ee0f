"""Prompt templates: plain files in prompts/, checked for their variables when loaded.

A chat prompt is two files, `<name>_system.txt` (the rules and the data) and `<name>_user.txt` (the
question), put together with ChatPromptTemplate.from_messages.
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

EXPECTED_VARIABLES = {
    "answer_system": {"letter_title", "letter_date", "letter_year", "not_found", "sections"},
    "answer_user": {"question"},
    "rewrite_system": {"letter_title", "letter_date"},
    "rewrite_user": {"history", "question"},
}


class PromptError(ValueError):
    pass


def load_template(prompts_dir: Path, name: str) -> str:
    """A template file's text; PromptError when it is missing or its variables are not the expected ones."""
    path = Path(prompts_dir) / f"{name}.txt"
    if not path.exists():
        raise PromptError(f"missing prompt file {path}")
    text = path.read_text(encoding="utf-8").rstrip("\n")  # a file ends in a newline; the message does not
    found, expected = set(PromptTemplate.from_template(text).input_variables), EXPECTED_VARIABLES[name]
    if found != expected:
        missing, extra = sorted(expected - found), sorted(found - expected)
        raise PromptError(f"prompt {path.name}: missing variables {missing}, unexpected {extra}")
    return text


def load_chat_prompt(prompts_dir: Path, name: str) -> ChatPromptTemplate:
    """The system message and the user message of a chat prompt (`answer`, `rewrite`)."""
    system = load_template(prompts_dir, f"{name}_system")
    user = load_template(prompts_dir, f"{name}_user")
    return ChatPromptTemplate.from_messages([("system", system), ("human", user)])
