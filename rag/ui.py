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
        "mode_llm_paused": "回答方式：语言模型暂不可用（{reason}），答案摘自原信",
        "badge_llm": "语言模型组织·已逐句核验",
        "badge_extractive": "摘自原信",
        "badge_fallback": "摘自原信（{reason}）",
        "revised": "核验后改写：流式显示的文字中有未能在原信中核实的内容，已替换为核验后的答案。",
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
        "export": "导出对话（Markdown）",
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
        "new_conversation": "新对话",
        "earlier": "早先的对话",
        "share": "分享",
        "share_help": "复制这个链接发给同事：打开即提出同一问题，显示同一回答与出处。",
        "present": "演示模式",
        "present_done": "演示问题已全部问完",
        "present_step": "下一个演示问题（{n}/{total}）",
        "letter_search": "在信中查找",
        "letter_search_ph": "例如：重点实验室",
        "letter_hits": "第 {n} 处，共 {total} 处",
        "letter_no_hits": "信中没有“{query}”。",
        "prev_hit": "上一处",
        "next_hit": "下一处",
        "expand_all": "全部展开",
        "collapse_all": "全部收起",
        "toc": "目录",
        "too_long_kept": "问题已留在输入框中，删减后再发送。",
        "counter": "{length}/{limit} 字",
        "counter_unit": "字",
        "building_model": "准备中：载入向量模型与信件…",
        "bad_link": "链接里的对话编号无效，已开始新对话。",
        "conversation_skipped": "这个对话有 {n} 行没能读出，其余已恢复。",
        "save_failed": "对话没能保存到磁盘，刷新页面会丢失。",
        "feedback_comment": "说说原因（可选）",
        "feedback_send": "发送",
        "feedback_comment_saved": "已收到，谢谢！",
        "owner_title": "管理页",
        "owner_intro": "只给信件问答的维护者看：访客留下的反馈和回归测试。",
        "owner_feedback": "访客反馈",
        "owner_feedback_file": "反馈文件：{path}",
        "owner_feedback_none": "还没有反馈。",
        "owner_feedback_skipped": "有 {n} 行反馈没能读出，已跳过。",
        "owner_filter_rating": "评价",
        "owner_filter_text": "搜索问题、回答或说明",
        "owner_download": "下载 CSV",
        "owner_feedback_count": "共 {total} 条，当前显示 {shown} 条",
        "owner_eval": "回归测试",
        "owner_eval_report": "报告文件：{path}",
        "owner_eval_progress": "已检查 {done}/{total} 题",
        "owner_eval_done": "回归测试完成：{passed}/{total} 通过，用时 {seconds} 秒",
        "owner_back": "回到问答页",
        "rating_all": "全部",
        "rating_up": "有用",
        "rating_down": "没用",
        "col_time": "时间",
        "col_question": "问题",
        "col_answer": "回答",
        "col_rating": "评价",
        "col_comment": "说明",
        "col_kind": "类型",
        "col_passed": "通过",
        "col_total": "题数",
        "col_wrong_found": "错答",
        "col_wrong_refusal": "错拒",
        "col_problems": "哪里不对",
        "owner_failures": "未通过的 {n} 题",
    },
    "en": {
        "app_title": "Letter Q&A",
        "view_label": "View",
        "view_chat": "Chat",
        "view_letter": "Letter",
        "view_figures": "Figures",
        "mode_extractive": "How answers are made: extractive, quoted verbatim from the letter, no language model",
        "mode_llm": "How answers are made: a language model ({model}) writes them; every figure and quote is checked against the letter",
        "mode_llm_paused": "How answers are made: the language model is unavailable for now ({reason}); answers are quoted from the letter",
        "badge_llm": "written by the language model · checked sentence by sentence",
        "badge_extractive": "quoted from the letter",
        "badge_fallback": "quoted from the letter ({reason})",
        "revised": "Revised after checking: the streamed text had something the letter does not support; the checked answer replaces it.",
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
        "export": "Export conversation (Markdown)",
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
        "new_conversation": "New conversation",
        "earlier": "Earlier conversations",
        "share": "Share",
        "share_help": "Copy this link for a colleague: opening it asks the same question and shows the same answer and source.",
        "present": "Presenter view",
        "present_done": "All demo questions asked",
        "present_step": "Next demo question ({n}/{total})",
        "letter_search": "Find in the letter",
        "letter_search_ph": "e.g. 重点实验室",
        "letter_hits": "{n} of {total}",
        "letter_no_hits": "“{query}” is not in the letter.",
        "prev_hit": "Previous",
        "next_hit": "Next",
        "expand_all": "Expand all",
        "collapse_all": "Collapse all",
        "toc": "Contents",
        "too_long_kept": "Your question is still in the box: trim it and send it again.",
        "counter": "{length}/{limit} characters",
        "counter_unit": "characters",
        "building_model": "Getting ready: loading the embedding model and the letters…",
        "bad_link": "The conversation id in the link is not valid; a new conversation was started.",
        "conversation_skipped": "{n} lines of this conversation could not be read; the rest is back.",
        "save_failed": "The conversation could not be saved to disk; a reload would lose it.",
        "feedback_comment": "Tell us why (optional)",
        "feedback_send": "Send",
        "feedback_comment_saved": "Received, thank you!",
        "owner_title": "Owner page",
        "owner_intro": "For whoever runs Letter Q&A: the feedback visitors leave, and the regression set.",
        "owner_feedback": "Visitor feedback",
        "owner_feedback_file": "Feedback file: {path}",
        "owner_feedback_none": "No feedback yet.",
        "owner_feedback_skipped": "{n} feedback lines could not be read and were skipped.",
        "owner_filter_rating": "Rating",
        "owner_filter_text": "Search questions, answers or comments",
        "owner_download": "Download CSV",
        "owner_feedback_count": "{shown} of {total} shown",
        "owner_eval": "Regression set",
        "owner_eval_report": "Report file: {path}",
        "owner_eval_progress": "{done}/{total} questions checked",
        "owner_eval_done": "Regression run finished: {passed}/{total} passed in {seconds} s",
        "owner_back": "Back to the chat page",
        "rating_all": "All",
        "rating_up": "Helpful",
        "rating_down": "Not helpful",
        "col_time": "Time",
        "col_question": "Question",
        "col_answer": "Answer",
        "col_rating": "Rating",
        "col_comment": "Comment",
        "col_kind": "Kind",
        "col_passed": "Passed",
        "col_total": "Questions",
        "col_wrong_found": "Wrong, shown as found",
        "col_wrong_refusal": "Wrong refusals",
        "col_problems": "What went wrong",
        "owner_failures": "{n} not passed",
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


# How each kind of mark looks (the theme in .streamlit/config.toml gives these backgrounds full
# strength): the supporting sentence, the figure inside it, search hits and the current hit.
MARKS = {
    "sentence": ":yellow-background[{}]",
    "figure": ":orange-background[**{}**]",
    "hit": ":blue-background[{}]",
    "current": ":violet-background[**{}**]",
}
_MARK_RANK = {"sentence": 1, "hit": 2, "figure": 3, "current": 4}  # the stronger mark wins where two overlap

_DIGIT_BEFORE = re.compile(r"[\d.]$")


def find_figure(text: str, figure: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """Where `figure` (as the letter writes it, "36个") stands in text[start:end], never inside a larger
    number ("36个" is not in "136个")."""
    end = len(text) if end is None else end
    at = text.find(figure, start, end)
    while at >= 0:
        if not (figure[:1].isdigit() and _DIGIT_BEFORE.search(text[:at])):
            return at, at + len(figure)
        at = text.find(figure, at + 1, end)
    return None


def find_all(text: str, phrase: str) -> list[tuple[int, int]]:
    """Every place `phrase` occurs in `text`, ignoring case and whitespace differences."""
    chars = [re.escape(c) for c in phrase if not c.isspace()]
    if not chars:
        return []
    return [(m.start(), m.end()) for m in re.finditer(r"\s*".join(chars), text, re.IGNORECASE)]


def marks_for(text: str, quotes: str | Sequence[str] | None = None, figure: str | None = None) -> list[tuple[int, int, str]]:
    """The supporting sentences of `text` and, inside them, the figure the answer gives."""
    if isinstance(quotes, str):
        quotes = [quotes]
    out: list[tuple[int, int, str]] = []
    for quote in quotes or ():
        span = find_quote(text, quote)
        if span is None:
            continue
        out.append((*span, "sentence"))
        at = find_figure(text, figure, *span) if figure else None
        if at:
            out.append((*at, "figure"))
    return out


def highlight(
    text: str,
    quotes: str | Sequence[str] | None = None,
    figure: str | None = None,
    marks: Sequence[tuple[int, int, str]] = (),
) -> str:
    """Section text as safe Markdown, its supporting sentences marked, the figure inside them marked
    more strongly, plus any other `marks` (start, end, kind of MARKS).

    Each line of the section stays a paragraph; a mark spanning lines is marked piece by piece.
    """
    spans = [*marks_for(text, quotes, figure), *marks]
    kind_at: list[str | None] = [None] * len(text)
    for start, end, kind in spans:
        for i in range(max(start, 0), min(end, len(text))):
            if kind_at[i] is None or _MARK_RANK[kind] > _MARK_RANK[kind_at[i]]:
                kind_at[i] = kind
    out: list[str] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start = pos
        pos += len(line)
        body = line.rstrip("\r\n")
        if not body.strip():
            continue
        pieces: list[str] = []
        i = 0
        while i < len(body):
            kind = kind_at[start + i]
            j = i
            while j < len(body) and kind_at[start + j] == kind:
                j += 1
            piece = body[i:j]
            if kind is None or not piece.strip():
                pieces.append(_escape_piece(piece))
            else:
                lead, core, trail = piece[: len(piece) - len(piece.lstrip())], piece.strip(), piece[len(piece.rstrip()) :]
                pieces.append(lead + MARKS[kind].format(_escape_piece(core)) + trail)
            i = j
        out.append("".join(pieces).strip())
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


_BOLD = re.compile(r"\*\*([^*\n]{1,40})\*\*")
_MARKER = re.compile(r"(?<!\\)\[§(\d+(?:\.\d+)*)\](?!\()")
CITE_HREF = "#cite:"  # the page's link handler opens sections for links that start so


def answer_figure(markdown: str) -> str | None:
    """The figure an answer leads with: its first bold text that holds a number ("36个", "500家以上")."""
    for m in _BOLD.finditer(markdown):
        if any(c.isdigit() for c in m[1]) and not m[1].rstrip().endswith(("。", ".")):
            return m[1].strip()
    return None


def split_lead(markdown: str, figure: str | None) -> tuple[str, str, str]:
    """(before, the paragraph that gives the figure, after): the page draws that paragraph larger."""
    if not figure:
        return markdown, "", ""
    paragraphs = markdown.split("\n\n")
    for n, paragraph in enumerate(paragraphs):
        if f"**{figure}**" in paragraph and not paragraph.lstrip().startswith((">", "-")):
            return "\n\n".join(paragraphs[:n]), paragraph, "\n\n".join(paragraphs[n + 1 :])
    return markdown, "", ""


def mark_figure_in_quotes(markdown: str, figure: str | None) -> str:
    """Mark the figure where it stands in the answer's quoted sentences (> lines), once per line."""
    if not figure:
        return markdown
    out = []
    for line in markdown.split("\n"):
        if line.startswith(">") and (at := find_figure(line, figure)):
            line = line[: at[0]] + MARKS["figure"].format(_escape_piece(figure)) + line[at[1] :]
        out.append(line)
    return "\n".join(out)


def cite_href(turn: int, doc: str, section_id: str) -> str:
    """The link of a [§k.n] marker: which answer (its turn) cites which section of which letter."""
    return f"{CITE_HREF}{turn}:{doc}:{section_id}"


def parse_cite_href(href: object) -> tuple[int, str, str] | None:
    """(turn, doc, section id) of a link made by cite_href; None for anything else."""
    if not isinstance(href, str):
        return None
    m = re.fullmatch(r"#cite:(\d{1,9}):([^:\s]+):(\d+(?:\.\d+)*)", href)
    return (int(m[1]), m[2], m[3]) if m else None


def link_citations(markdown: str, answer: Answer, default_doc: str, turn: int) -> str:
    """Each [§k.n] marker of an answer becomes a link that opens its section in the letter view."""
    docs = {c.section: c.doc for c in answer.citations}
    return _MARKER.sub(lambda m: f"[\\[§{m[1]}\\]]({cite_href(turn, docs.get(m[1], default_doc), m[1])})", markdown)


def answer_markdown(answer: Answer, default_doc: str, turn: int) -> tuple[str, str, str]:
    """An answer as the page draws it: safe, its figure marked in the quotes, citations as links;
    split into (before, lead paragraph with the figure, after)."""
    figure = answer_figure(answer.answer)
    md = link_citations(mark_figure_in_quotes(safe_answer_md(answer.answer), figure), answer, default_doc, turn)
    return split_lead(md, figure)


@dataclass(frozen=True)
class Source:
    """One section an answer cites, with every sentence it quotes from it."""

    doc: str
    section: str
    label: str
    quotes: tuple[str, ...]

    @property
    def citation(self) -> Citation:
        return Citation(self.doc, self.section, self.label, self.quotes[0] if self.quotes else "")


def sources(answer: Answer) -> list[Source]:
    """The sections an answer cites, each once, in the order first cited."""
    by_key: dict[tuple[str, str], Source] = {}
    for c in answer.citations:
        key = (c.doc, c.section)
        if key in by_key:
            if c.quote and c.quote not in by_key[key].quotes:
                by_key[key] = Source(c.doc, c.section, by_key[key].label, by_key[key].quotes + (c.quote,))
        else:
            by_key[key] = Source(c.doc, c.section, c.label, (c.quote,) if c.quote else ())
    return list(by_key.values())


def share_params(answer: Answer, lang: str) -> dict[str, str]:
    """The address of one answer for someone else: the question as it stands alone (a follow-up is
    sent as it was understood), and the language."""
    question = answer.resolved_question if answer.resolved_question and answer.kind != "compound" else answer.question
    params = {"q": question}
    if lang != "zh":
        params["lang"] = lang
    return params


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


def mode_line(mode: str, lang: str, model: str | None = None, status: Any = None) -> str:
    """How answers are made, as the page says it; `status` (Engine.model_status) tells a configured
    model that is paused or failing from one that works."""
    if mode == "llm" and status is not None and status.configured and not status.ok and status.reason:
        return t(lang, "mode_llm_paused", reason=status.reason)
    if mode == "llm":
        return t(lang, "mode_llm", model=model or "LLM")
    return t(lang, "mode_extractive")


def answer_badge(answer: Answer, lang: str, model_configured: bool) -> str:
    """Which path made this answer: the model (checked), or the letter's own words (and why, when a
    configured model's answer was not used). Nothing when no model is configured."""
    if not model_configured:
        return ""
    if answer.mode == "llm":
        return t(lang, "badge_llm")
    reason = answer.fallback_reason
    return t(lang, "badge_fallback", reason=reason) if reason else t(lang, "badge_extractive")


def streaming_ask(ask_stream: Callable[..., Any], write_stream: Callable[[Any], Any], revised: list[bool]):
    """An `ask` for answer_entry that shows the model's text as it comes (write_stream, e.g.
    st.write_stream) and returns the verified answer; `revised` gets whether checking changed it."""

    def ask(question: str, turns: Sequence[Turn]) -> Answer:
        stream = ask_stream(question, turns)
        write_stream(iter(stream))
        answer = stream.result()
        revised.append(bool(stream.changed))
        return answer

    return ask


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
    if key is None:
        return str(values.get("text", ""))
    try:
        return t(lang, key, **values)
    except (KeyError, IndexError, ValueError):  # a saved notice this version does not know
        return t(lang, "engine_error")


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


def letter_order(letter: Letter) -> list[Section]:
    """Every section in the order the letter view shows them (part headings before their items)."""
    out: list[Section] = []
    for group in letter_outline(letter):
        if group.heading is not None:
            out.append(group.heading)
        out.extend(group.sections)
    return out


def toc_label(section: Section, lang: str) -> str:
    """A short line of the table of contents: '§0.2 其次', '§3 第3部分 推进产业创新', '§3.1 一是 …'."""
    if section.id == "0":
        return f"§0 {t(lang, 'outline_header')}"
    if section.parent == "0" and "." not in section.id:
        return f"§{section.id} {t(lang, 'outline_part', n=section.id, title=section.title)}"
    return shorten(f"§{section.id} {item_title(section)}", 28)


@dataclass(frozen=True)
class Hit:
    """One place a searched phrase occurs in the letter."""

    doc: str
    section: str
    start: int
    end: int


MAX_SEARCH_CHARS = 100


def letter_hits(letter: Letter, query: str | None) -> list[Hit]:
    """Every occurrence of `query` in the letter, in reading order (case and spacing ignored)."""
    query = (query or "").strip()[:MAX_SEARCH_CHARS]
    if not query:
        return []
    return [Hit(s.doc, s.id, a, b) for s in letter_order(letter) for a, b in find_all(s.text, query)]


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


# Only what would change how a Markdown reader shows plain text; a saved conversation should read as
# plain text too (no "\[§0\.2\]").
_EXPORT_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(\s*)(\d+(?=[.)])|)([#>+\-=.)])")


def escape_export(text: str) -> str:
    """Text as Markdown for a saved document: literal, on one line, with as few backslashes as can be."""
    line = " ".join(_EXPORT_SPECIAL.sub(r"\\\1", text).split())
    return _LINE_START.sub(lambda m: m[1] + m[2] + "\\" + m[3], line)


def _citation_lines(answer: Answer, sections: Callable[[Citation], Section | None]) -> list[str]:
    lines = []
    for source in sources(answer):
        section = sections(source.citation)
        lines.append(f"- {escape_export(citation_heading(source.citation, section))}")
        for quote in source.quotes:
            lines += ["  > " + escape_export(line) for line in quote.splitlines() if line.strip()]
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
        f"- **{t(lang, 'export_letter')}**{sep}{escape_export(title)}",
    ]
    if meta.signer or meta.signed:
        signed = " ".join(p for p in (meta.signer, format_date(meta.signed, lang)) if p)
        out.append(f"- **{t(lang, 'export_signed')}**{sep}{escape_export(signed)}")
    if meta.published:
        out.append(f"- **{t(lang, 'export_published')}**{sep}{escape_export(format_date(meta.published, lang))}")
    out.append(f"- **{t(lang, 'export_at')}**{sep}{exported_at:%Y-%m-%d %H:%M}")
    out.append(f"- **{t(lang, 'export_mode')}**{sep}{mode_text}")
    out += ["", "---", ""]
    if not turns:
        out.append(t(lang, "export_empty"))
    for n, (question, answer) in enumerate(turns, 1):
        out.append(f"## {n}. {t(lang, 'export_q')}{sep}{escape_export(question)}")
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
