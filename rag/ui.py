"""What the page shows, decided here so it can be tested without a browser.

Interface strings (Chinese first, English on request), safe Markdown for letter and user text,
quote highlighting, the letter outline, the figure table and its filters, and the conversation
export. Nothing in this module imports Streamlit.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rag.types import Answer, Citation, Figure, Letter, LetterMeta, Section, Turn
from rag.validate import BadQuestion

log = logging.getLogger(__name__)

LANGS = ("zh", "en")

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "信件问答",
        "view_label": "视图",
        "view_chat": "问答",
        "view_letter": "原信",
        "view_figures": "数字核对",
        "mode_extractive": "回答方式：抽取式，答案逐字摘自原信，不使用语言模型",
        "mode_llm": "回答方式：语言模型（{model}）组织语言，数字与引文逐一对照原信核验",
        "eval_passed": "回归测试 {passed}/{total} 通过（{finished}）",
        "eval_none": "回归测试尚未运行",
        "eval_run": "运行回归测试",
        "eval_running": "正在运行回归测试…",
        "eval_failed": "回归测试没能运行完，详情见服务器日志。",
        "building": "首次启动：正在为信件建立索引…",
        "loading": "正在加载信件与索引…",
        "building_step": "已处理 {done}/{total} · {doc}",
        "ready": "索引就绪",
        "engine_failed": "问答引擎没能启动，详情见服务器日志。",
        "welcome": (
            "您好！我只根据这封信回答问题：**{doc_number}**《{title}》。"
            "每个回答都标有原文出处（如 [§0.2]），点开即可核对；信中没有写的，我会直接说明。"
        ),
        "try_these": "试试这些问题",
        "chat_placeholder": "就这封信提问，例如：2017年新批准组建了多少个重点实验室？",
        "thinking": "正在查找原文…",
        "too_long": "问题太长了（{length} 字），请控制在 {limit} 字以内，或拆成几个小问题。",
        "engine_error": "抱歉，这个问题没能处理，请换个说法再试。",
        "sources": "出处",
        "open_in_letter": "在原信中查看",
        "closest": "最接近的段落：{section}",
        "understood_as": "按上文理解为：{question}",
        "status_target": "计划目标",
        "status_result": "已取得成果",
        "status_short_target": "计划目标",
        "status_short_result": "已取得成果",
        "not_found": "信中未提及",
        "feedback_thanks": "已记录反馈，谢谢！",
        "feedback_failed": "反馈没能保存。",
        "conversation": "对话",
        "clear": "清空对话",
        "export": "导出对话（Markdown）",
        "quality": "回答质量",
        "followup_hint": "继续追问",
        "meta_card": "信件信息",
        "meta_doc_number": "文号",
        "meta_addressee": "致",
        "meta_addressee_value": "{addressee}代表",
        "meta_suggestion": "建议",
        "meta_suggestion_value": "《{title}》（第{number}号，{session}）",
        "meta_signer": "落款",
        "meta_signed_raw": "原文写作“{raw}”",
        "meta_published": "网上发布",
        "focused": "正在查看",
        "back_to_chat": "返回问答",
        "close_focus": "收起",
        "outline_header": "开头与落款",
        "outline_preamble": "前言：已开展的工作",
        "outline_part": "第{n}部分 {title}",
        "figures_intro": "信中每一个数字及其所指。点击任意一行，即可跳到原信中的出处。",
        "figures_search": "搜索",
        "figures_search_ph": "例如：重点实验室、500、亿元",
        "figures_part": "范围",
        "figures_status": "类型",
        "figures_all": "全部",
        "figures_part_preamble": "开头与前言",
        "figures_part_n": "第{n}部分 {title}",
        "figures_count": "共 {total} 个数字，当前显示 {shown} 个",
        "figures_none": "没有符合条件的数字。",
        "col_figure": "数字",
        "col_value": "数值",
        "col_unit": "单位",
        "col_qualifier": "限定",
        "col_clause": "所指",
        "col_section": "出处",
        "col_status": "类型",
        "status_unknown": "—",
        "letter_pick": "信件",
        "export_title": "信件问答 · 对话记录",
        "export_letter": "信件",
        "export_signed": "落款",
        "export_published": "发布",
        "export_at": "导出时间",
        "export_mode": "回答方式",
        "export_mode_extractive": "抽取式（不使用语言模型）",
        "export_mode_llm": "语言模型，经原文核验",
        "export_q": "问",
        "export_kind": "类型",
        "export_sources": "出处",
        "export_empty": "（尚无对话）",
        "demo_figure": "数字",
        "demo_plan": "计划还是成果",
        "demo_list": "列举",
        "demo_followup": "追问",
        "demo_refusal": "信中没有的",
        "demo_english": "英文提问",
        "demo_then": "接着问“{then}”",
        "eval_help": "用回归问题集逐题核对回答（数字、出处、计划/成果）。",
    },
    "en": {
        "app_title": "Letter Q&A",
        "view_label": "View",
        "view_chat": "Chat",
        "view_letter": "Letter",
        "view_figures": "Figures",
        "mode_extractive": "How answers are made: extractive, quoted verbatim from the letter, no language model",
        "mode_llm": "How answers are made: a language model ({model}) writes them; every figure and quote is checked against the letter",
        "eval_passed": "Regression set: {passed}/{total} passed ({finished})",
        "eval_none": "Regression set not run yet",
        "eval_run": "Run the regression set",
        "eval_running": "Running the regression set…",
        "eval_failed": "The regression set did not finish; see the server log.",
        "building": "First start: indexing the letter…",
        "loading": "Loading the letter and its index…",
        "building_step": "{done}/{total} done · {doc}",
        "ready": "Index ready",
        "engine_failed": "The answering engine did not start; see the server log.",
        "welcome": (
            "Hello! I answer only from this letter: **{doc_number}** 《{title}》. "
            "Every answer carries its source (e.g. [§0.2]) for you to open and check; "
            "when the letter does not say, I tell you so."
        ),
        "try_these": "Try these questions",
        "chat_placeholder": "Ask about the letter, e.g. 2017年新批准组建了多少个重点实验室？",
        "thinking": "Looking it up in the letter…",
        "too_long": "That question is too long ({length} characters); please keep it under {limit} or split it up.",
        "engine_error": "Sorry, that question could not be handled. Please try rephrasing it.",
        "sources": "Sources",
        "open_in_letter": "Open in the letter",
        "closest": "Closest passage: {section}",
        "understood_as": "Read in context as: {question}",
        "status_target": "Target (planned)",
        "status_result": "Result (achieved)",
        "status_short_target": "Target",
        "status_short_result": "Result",
        "not_found": "Not in the letter",
        "feedback_thanks": "Feedback saved, thank you!",
        "feedback_failed": "The feedback could not be saved.",
        "conversation": "Conversation",
        "clear": "Clear conversation",
        "export": "Export conversation (Markdown)",
        "quality": "Answer quality",
        "followup_hint": "Follow up",
        "meta_card": "About the letter",
        "meta_doc_number": "Reference",
        "meta_addressee": "To",
        "meta_addressee_value": "Deputy {addressee}",
        "meta_suggestion": "Suggestion",
        "meta_suggestion_value": "《{title}》 (No. {number}, {session})",
        "meta_signer": "Signed",
        "meta_signed_raw": "written “{raw}” in the source",
        "meta_published": "Published online",
        "focused": "Viewing",
        "back_to_chat": "Back to chat",
        "close_focus": "Close",
        "outline_header": "Header and signature",
        "outline_preamble": "Preamble: work already done",
        "outline_part": "Part {n} {title}",
        "figures_intro": "Every figure in the letter and what it counts. Click a row to jump to its source in the letter.",
        "figures_search": "Search",
        "figures_search_ph": "e.g. 重点实验室, 500, 亿元",
        "figures_part": "Part",
        "figures_status": "Kind",
        "figures_all": "All",
        "figures_part_preamble": "Header and preamble",
        "figures_part_n": "Part {n} {title}",
        "figures_count": "{shown} of {total} figures shown",
        "figures_none": "No figure matches.",
        "col_figure": "Figure",
        "col_value": "Value",
        "col_unit": "Unit",
        "col_qualifier": "Qualifier",
        "col_clause": "What it counts",
        "col_section": "Source",
        "col_status": "Kind",
        "status_unknown": "—",
        "letter_pick": "Letter",
        "export_title": "Letter Q&A · conversation",
        "export_letter": "Letter",
        "export_signed": "Signed",
        "export_published": "Published",
        "export_at": "Exported",
        "export_mode": "Answers",
        "export_mode_extractive": "extractive (no language model)",
        "export_mode_llm": "language model, checked against the letter",
        "export_q": "Q",
        "export_kind": "Kind",
        "export_sources": "Sources",
        "export_empty": "(no conversation yet)",
        "demo_figure": "Figure",
        "demo_plan": "Plan or result",
        "demo_list": "List",
        "demo_followup": "Follow-up",
        "demo_refusal": "Not in the letter",
        "demo_english": "In English",
        "demo_then": "then ask “{then}”",
        "eval_help": "Check the answers against the regression question set (figure, source, plan or result).",
    },
}

VIEWS = ("chat", "letter", "figures")


def t(lang: str, key: str, **values: Any) -> str:
    """The interface string `key` in `lang` (falls back to Chinese), formatted with `values`."""
    table = STRINGS.get(lang, STRINGS["zh"])
    text = table.get(key, STRINGS["zh"][key])
    return text.format(**values) if values else text


# ------------------------------------------------------------------------------------------ Markdown

# Every ASCII character Markdown (and Streamlit's :color[...] / :emoji: / $math$ extensions) treats
# as syntax; CommonMark allows a backslash before any ASCII punctuation, so escaping is always safe.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'])")


def escape_md(text: str) -> str:
    """Letter or user text as Markdown that renders literally (no links, HTML, emphasis, math)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    # Keep line structure: each source line is its own paragraph.
    lines = [line.strip() for line in escaped.splitlines()]
    return "\n\n".join(line for line in lines if line)


def escape_inline(text: str) -> str:
    """Like escape_md, but on one line (for labels, headings and list items)."""
    return " ".join(escape_md(text).split())


def _escape_piece(text: str) -> str:
    """Escape a fragment of one line, keeping its spaces (pieces are glued back together)."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` sits in `text`: exactly, or ignoring whitespace differences."""
    quote = quote.strip()
    if not quote:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    chars = [re.escape(c) for c in quote if not c.isspace()]
    if not chars:
        return None
    m = re.search(r"\s*".join(chars), text)
    return (m.start(), m.end()) if m else None


HIGHLIGHT = ":orange-background[{}]"


def highlight(text: str, quote: str | None) -> str:
    """Section text as safe Markdown, with the supporting sentence highlighted.

    Each line of the section stays a paragraph; a quote spanning lines is highlighted piece by piece.
    """
    span = find_quote(text, quote) if quote else None
    out: list[str] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line)
        pos = end
        body = line.rstrip("\r\n")
        if not body.strip():
            continue
        if span and span[0] < start + len(body) and span[1] > start:
            a, b = max(span[0], start) - start, min(span[1], start + len(body)) - start
            before, mark, after = body[:a], body[a:b], body[b:]
            piece = _escape_piece(before) + HIGHLIGHT.format(_escape_piece(mark).strip()) + _escape_piece(after)
        else:
            piece = _escape_piece(body)
        out.append(piece.strip())
    return "\n\n".join(out)


_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"(?<!\\)\[([^\]]+)\]\(\s*(?:[a-zA-Z][\w+.-]*:|//|www\.)[^)]*\)")
_AUTOLINK = re.compile(r"<((?:[a-zA-Z][\w+.-]*:|www\.)[^>\s]*)>")


def safe_answer_md(markdown: str) -> str:
    """An answer's Markdown as the page shows it: images and links become their plain text.

    Answers are Markdown by contract (bold figure, quote, [§k.n] markers); a language model could
    still slip in an image that the browser would fetch, or a link. HTML is never rendered anyway.
    """
    out = _IMAGE.sub(lambda m: escape_inline(m[1]), markdown)
    out = _LINK.sub(lambda m: m[1], out)
    return _AUTOLINK.sub(lambda m: escape_inline(m[1]), out)


def quote_block(quote: str) -> str:
    """A verbatim quote as a Markdown blockquote."""
    return "\n".join("> " + escape_inline(line) for line in quote.splitlines() if line.strip())


# ------------------------------------------------------------------------------------------ labels


def format_date(d: date | None, lang: str) -> str:
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def section_heading(section: Section) -> str:
    """'§0.2 前言·其次 · 在搭建有效平台方面,…' — id, label, and the title when the label lacks it."""
    head = f"§{section.id} {section.label}"
    if section.title and section.title not in section.label:
        head += f" · {section.title}"
    return head


def citation_heading(citation: Citation, section: Section | None) -> str:
    if section is not None:
        return section_heading(section)
    return f"§{citation.section} {citation.label}"


def status_text(status: str, lang: str, short: bool = False) -> str:
    if status in ("target", "result"):
        return t(lang, f"status_short_{status}" if short else f"status_{status}")
    return t(lang, "status_unknown")


def mode_line(mode: str, lang: str, model: str | None = None) -> str:
    if mode == "llm":
        return t(lang, "mode_llm", model=model or "LLM")
    return t(lang, "mode_extractive")


def eval_line(report: dict | None, lang: str) -> str:
    """One line on the last regression run, from rag.evaluation.last_report()."""
    if not report or "passed" not in report or "total" not in report:
        return t(lang, "eval_none")
    finished = str(report.get("finished") or "")
    try:
        finished = datetime.fromisoformat(finished).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        finished = finished.replace("T", " ")[:16]
    return t(lang, "eval_passed", passed=report["passed"], total=report["total"], finished=finished)


def eval_ok(report: dict | None) -> bool:
    return bool(report) and report.get("passed") == report.get("total")


# ------------------------------------------------------------------------------------------ questions


@dataclass(frozen=True)
class Precheck:
    """What to do with a raw chat input before it reaches the engine."""

    action: str  # "ask" | "ignore" | "refuse"
    question: str = ""
    message: str = ""


def precheck(raw: str | None, max_chars: int, lang: str) -> Precheck:
    """Empty or whitespace input is ignored; an over-long one gets a friendly message."""
    if raw is None or not str(raw).strip():
        return Precheck("ignore")
    question = str(raw).strip()
    if len(question) > max_chars:
        return Precheck("refuse", question, t(lang, "too_long", length=len(question), limit=max_chars))
    return Precheck("ask", question)


def history(entries: Sequence[dict]) -> list[Turn]:
    """The answered turns of a conversation, for follow-up questions."""
    return [Turn(e["question"], e["answer"]) for e in entries if e.get("answer")]


def answer_entry(ask: Callable[..., Answer], raw: str | None, entries: Sequence[dict], turn_id: int, max_chars: int) -> dict | None:
    """One conversation entry for a chat input: {"id", "question", "answer"} or, when the question
    cannot be answered, {"id", "question", "notice": (string key or None, values)}. None for blank input.

    `ask` is Engine.ask. A notice keeps a string key, not text, so it follows a later language
    switch; an engine fault is logged with its traceback and shown only as a short message.
    """
    check = precheck(raw, max_chars, "zh")
    if check.action == "ignore":
        return None
    entry: dict[str, Any] = {"id": turn_id, "question": check.question}
    if check.action == "refuse":
        entry["notice"] = ("too_long", {"length": len(check.question), "limit": max_chars})
        return entry
    try:
        entry["answer"] = ask(check.question, history(entries))
    except BadQuestion as bad:
        entry["notice"] = (None, {"text": str(bad)})  # the engine's own one-line message
    except Exception:
        log.exception("answering %r failed", check.question)
        entry["notice"] = ("engine_error", {})
    return entry


def notice_text(notice: tuple[str | None, dict], lang: str) -> str:
    key, values = notice
    return t(lang, key, **values) if key else str(values.get("text", ""))


def shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------ letter


@dataclass(frozen=True)
class OutlineGroup:
    kind: str  # "header" | "preamble" | "part"
    heading: Section | None  # the part heading section (for parts)
    sections: tuple[Section, ...]

    def title(self, lang: str) -> str:
        if self.kind == "header":
            return t(lang, "outline_header")
        if self.kind == "preamble":
            return t(lang, "outline_preamble")
        assert self.heading is not None
        return t(lang, "outline_part", n=self.heading.id, title=self.heading.title)


def letter_outline(letter: Letter) -> list[OutlineGroup]:
    """The letter as the page shows it: header, the preamble (0.n), then each part with its items."""
    sections = letter.sections
    groups: list[OutlineGroup] = []
    root = [s for s in sections if s.id == "0"]
    if root:
        groups.append(OutlineGroup("header", None, tuple(root)))
    preamble = tuple(s for s in sections if s.parent == "0" and s.id.startswith("0."))
    if preamble:
        groups.append(OutlineGroup("preamble", None, preamble))
    for part in (s for s in sections if s.parent == "0" and "." not in s.id):
        items = tuple(s for s in sections if s.id.startswith(part.id + ".") and s.id != part.id)
        groups.append(OutlineGroup("part", part, items))
    return groups


def part_heading_extra(part: Section) -> str:
    """Text of a part heading section beyond its own heading line (empty for '1.攻坚科技体制改革。')."""
    text = part.text.strip()
    first, _, rest = text.partition("。")
    if part.title and part.title in first:
        return rest.strip()
    return text


def item_title(section: Section) -> str:
    """'一是 强化科技有效供给' for an item, the label's tail after '·'."""
    return section.label.split("·", 1)[-1] if "·" in section.label else section.label


def meta_rows(meta: LetterMeta, lang: str) -> list[tuple[str, str]]:
    """(label, value) rows of the letter's card, Markdown-safe values, empty fields left out."""
    rows: list[tuple[str, str]] = []
    if meta.doc_number:
        rows.append((t(lang, "meta_doc_number"), escape_inline(meta.doc_number)))
    if meta.addressee:
        rows.append((t(lang, "meta_addressee"), escape_inline(t(lang, "meta_addressee_value", addressee=meta.addressee))))
    if meta.suggestion_title:
        value = t(
            lang,
            "meta_suggestion_value",
            title=meta.suggestion_title,
            number=meta.suggestion_number or "?",
            session=meta.session or "",
        )
        rows.append((t(lang, "meta_suggestion"), escape_inline(value)))
    if meta.signer or meta.signed:
        value = " · ".join(p for p in (meta.signer, format_date(meta.signed, lang)) if p)
        if meta.signed_raw and meta.signed and meta.signed_raw != format_date(meta.signed, "zh"):
            value += f"（{t(lang, 'meta_signed_raw', raw=meta.signed_raw)}）"
        rows.append((t(lang, "meta_signer"), escape_inline(value)))
    if meta.published:
        rows.append((t(lang, "meta_published"), escape_inline(format_date(meta.published, lang))))
    return rows


# ------------------------------------------------------------------------------------------ figures


def part_of(section_id: str) -> str:
    """'0.2' → '0', '5.3' → '5', '4' → '4'."""
    return section_id.split(".", 1)[0]


def part_options(letter: Letter) -> list[str]:
    """Filter values for the figure table: 'all', '0' (header and preamble), then each part id."""
    parts = [s.id for s in letter.sections if s.parent == "0" and "." not in s.id]
    return ["all", "0", *parts]


def part_option_label(option: str, letter: Letter, lang: str) -> str:
    if option == "all":
        return t(lang, "figures_all")
    if option == "0":
        return t(lang, "figures_part_preamble")
    try:
        title = letter.section(option).title
    except KeyError:
        title = ""
    return t(lang, "figures_part_n", n=option, title=title)


STATUS_OPTIONS = ("all", "target", "result")


def status_option_label(option: str, lang: str) -> str:
    return t(lang, "figures_all") if option == "all" else status_text(option, lang, short=True)


def _number_forms(value: float) -> set[str]:
    forms = {f"{value:g}"}
    if value == int(value):
        forms.add(str(int(value)))
    return forms


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def filter_figures(
    figures: Iterable[Figure],
    query: str = "",
    part: str = "all",
    status: str = "all",
    letter: Letter | None = None,
) -> list[Figure]:
    """Figures matching every word of `query`, inside `part` ('all', '0', '1'…) and of `status`
    ('all', 'target', 'result'). A number matches the figure's own value ("500" finds 500家以上, not
    8500次以上); other words match the figure, its clause, its sentence or its section label."""
    words = [w for w in re.split(r"[\s,，、;；]+", (query or "").strip()) if w]
    labels: dict[str, str] = {}
    if letter is not None:
        labels = {s.id: s.label for s in letter.sections}
    hits: list[tuple[int, int, Figure]] = []
    for n, f in enumerate(figures):
        if part != "all" and part_of(f.section) != part:
            continue
        if status != "all" and f.status != status:
            continue
        haystack = " ".join(
            [f.text, f.unit, f.qualifier, f.clause, f.sentence, f"§{f.section}", labels.get(f.section, ""), *_number_forms(f.value)]
        ).lower()
        numbers = _number_forms(f.value)
        if all(w in numbers if _NUMBER.fullmatch(w) else w.lower() in haystack for w in words):
            # Figures whose own enumeration item names the words come first ("重点实验室36个"
            # before "工程技术研究中心61个" of the same sentence); otherwise the letter's order.
            own = f.item.lower() + " " + " ".join(_number_forms(f.value))
            hits.append((-sum(w.lower() in own for w in words), n, f))
    return [f for _, _, f in sorted(hits, key=lambda h: (h[0], h[1]))]


FIGURE_COLUMNS = ("col_figure", "col_clause", "col_status", "col_section", "col_value", "col_unit", "col_qualifier")


def figure_rows(figures: Sequence[Figure], letter: Letter | None, lang: str) -> list[dict[str, Any]]:
    """One row per figure, keyed by the localized column names, in FIGURE_COLUMNS order."""
    labels = {s.id: s.label for s in letter.sections} if letter is not None else {}
    rows = []
    for f in figures:
        values = (
            f.text,
            f.item,
            status_text(f.status, lang, short=True),
            f"§{f.section} {labels.get(f.section, '').split(' ')[0]}".strip(),
            f.value,
            f.unit,
            f.qualifier,
        )
        rows.append({t(lang, key): value for key, value in zip(FIGURE_COLUMNS, values)})
    return rows


# ------------------------------------------------------------------------------------------ export


def _citation_lines(answer: Answer, sections: Callable[[Citation], Section | None]) -> list[str]:
    lines = []
    for c in answer.citations:
        section = sections(c)
        head = escape_inline(citation_heading(c, section))
        lines.append(f"- {escape_inline(c.marker())} {head}")
        for quote_line in quote_block(c.quote).splitlines():
            lines.append("  " + quote_line)
    return lines


def export_markdown(
    meta: LetterMeta,
    turns: Sequence[tuple[str, Answer]],
    lang: str,
    *,
    mode: str = "extractive",
    exported_at: datetime | None = None,
    section_of: Callable[[Citation], Section | None] | None = None,
) -> str:
    """The conversation as a Markdown document: letter, then each question, answer, citations, quotes."""
    exported_at = exported_at or datetime.now()
    section_of = section_of or (lambda c: None)
    title = f"{meta.title}（{meta.doc_number}）" if meta.doc_number else meta.title
    mode_text = t(lang, "export_mode_llm" if mode == "llm" else "export_mode_extractive")
    sep = "：" if lang == "zh" else ": "
    out = [
        f"# {t(lang, 'export_title')}",
        "",
        f"- **{t(lang, 'export_letter')}**{sep}{escape_inline(title)}",
    ]
    if meta.signer or meta.signed:
        signed = " ".join(p for p in (meta.signer, format_date(meta.signed, lang)) if p)
        out.append(f"- **{t(lang, 'export_signed')}**{sep}{escape_inline(signed)}")
    if meta.published:
        out.append(f"- **{t(lang, 'export_published')}**{sep}{escape_inline(format_date(meta.published, lang))}")
    out.append(f"- **{t(lang, 'export_at')}**{sep}{exported_at:%Y-%m-%d %H:%M}")
    out.append(f"- **{t(lang, 'export_mode')}**{sep}{mode_text}")
    out += ["", "---", ""]
    if not turns:
        out.append(t(lang, "export_empty"))
    for n, (question, answer) in enumerate(turns, 1):
        out.append(f"## {n}. {t(lang, 'export_q')}{sep}{escape_inline(question)}")
        out.append("")
        out.append(answer.answer.strip())
        out.append("")
        kind = status_text(answer.status, lang) if answer.found else t(lang, "not_found")
        if answer.found and answer.status in ("target", "result") or not answer.found:
            out.append(f"*{t(lang, 'export_kind')}{sep}{kind}*")
            out.append("")
        if answer.citations:
            out.append(f"**{t(lang, 'export_sources')}**")
            out.append("")
            out += _citation_lines(answer, section_of)
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def export_filename(meta: LetterMeta, when: datetime | None = None) -> str:
    when = when or datetime.now()
    return f"letter-qa-{meta.doc or 'letter'}-{when:%Y%m%d-%H%M}.md"


# ------------------------------------------------------------------------------------------ engine


@dataclass
class EngineSlot:
    """Holds the one engine of a process; the page builds it once, with progress, under a lock."""

    engine: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, build: Callable[[], Any]) -> Any:
        if self.engine is None:
            with self.lock:
                if self.engine is None:
                    self.engine = build()
        return self.engine
