"""Letter Q&A — chat with one letter, open every source, check every figure.

Run:  streamlit run app.py
The page renders; `rag` decides (answers in rag.engine, page logic in rag.ui, rag.demo, rag.feedback).
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from rag import demo, ui
from rag.engine import Engine, load_engine
from rag.evaluation import last_report, load_questions, run_eval
from rag.feedback import append_feedback, feedback_record
from rag.settings import Settings, SettingsError
from rag.types import Citation, Section

log = logging.getLogger("letter_qa.app")
if not logging.getLogger().handlers:  # `streamlit run` leaves the root logger bare: errors go to stderr
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="信件问答 · Letter Q&A", page_icon=":material/mark_email_read:", layout="wide")

ss = st.session_state
ss.setdefault("turns", [])  # {"id", "question", "answer" | "notice"} in order
ss.setdefault("next_id", 0)
ss.setdefault("pending", [])  # questions queued by a suggestion chip
ss.setdefault("focus", None)  # {"doc", "section", "quote"}: the section the letter view opens at
ss.setdefault("lang", "zh")
ss.setdefault("view", "chat")


def tr(key: str, **values: Any) -> str:
    return ui.t(ss.lang, key, **values)


# ------------------------------------------------------------------------------------------ engine


@st.cache_resource(show_spinner=False)
def engine_slot(settings_key: str) -> ui.EngineSlot:
    return ui.EngineSlot()


@st.cache_resource(show_spinner=False)
def regression_questions() -> list[dict]:
    return load_questions()


def get_engine(settings: Settings) -> Engine:
    """The process-wide engine; the first visit builds the index with visible progress."""
    slot = engine_slot(repr(settings))
    if slot.engine is not None:
        return slot.engine
    first = settings.chroma_host is None and not settings.chroma_dir.exists()
    holder = st.empty()  # the progress box goes away once the engine is ready
    with holder.status(tr("building" if first else "loading"), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(done: int, total: int, doc: str) -> None:
            bar.progress(min(done / total, 1.0) if total else 1.0, text=tr("building_step", done=done, total=total, doc=doc))

        try:
            # an unusable data folder or Chroma server: answer from an index in memory, and say so
            engine = slot.get(lambda: load_engine(settings, progress=progress, memory_fallback=True))
        except Exception:
            log.exception("the engine did not start")
            status.update(label=tr("engine_failed"), state="error")
            st.stop()
        status.update(label=tr("ready"), state="complete", expanded=False)
    holder.empty()
    return engine


# ------------------------------------------------------------------------------------------ callbacks


def open_section(doc: str, section_id: str, quote: str | None = None) -> None:
    ss.focus = {"doc": doc, "section": section_id, "quote": quote}
    ss.view = "letter"
    if "doc" in ss:  # several letters: show the one the section belongs to
        ss.doc = doc


def go_chat() -> None:
    ss.view = "chat"


def close_focus() -> None:
    ss.focus = None


def queue(*questions: str) -> None:
    ss.pending = list(questions)
    ss.view = "chat"


def clear_conversation() -> None:
    ss.turns = []
    ss.pending = []


def save_feedback(turn_id: int, path) -> None:
    entry = next((e for e in ss.turns if e["id"] == turn_id and e.get("answer")), None)
    if entry is None:
        return
    score = ss.get(f"fb-{turn_id}")
    try:
        append_feedback(path, feedback_record(entry["answer"], score, turn=turn_id, lang=ss.lang))
    except OSError:
        log.exception("feedback not saved")
        st.toast(tr("feedback_failed"), icon=":material/error:")
        return
    if score is not None:
        st.toast(tr("feedback_thanks"), icon=":material/check:")


def request_eval() -> None:
    ss.eval_requested = True


def figure_selected(shown: list[tuple[str, str, str]]) -> None:
    rows = ss.get("fig_table", {}).get("selection", {}).get("rows", [])
    if rows and rows[0] < len(shown):
        doc, section, sentence = shown[rows[0]]
        open_section(doc, section, sentence)


# ------------------------------------------------------------------------------------------ chat


def ask(engine: Engine, settings: Settings, raw: str) -> None:
    entry = ui.answer_entry(engine.ask, raw, ss.turns, ss.next_id, settings.max_question_chars)
    if entry is not None:
        ss.next_id += 1
        ss.turns.append(entry)


def section_or_none(engine: Engine, doc: str, section_id: str) -> Section | None:
    try:
        return engine.section(doc, section_id)
    except KeyError:
        return None


def render_citation(engine: Engine, turn_id: int, n: int, c: Citation, expanded: bool) -> None:
    section = section_or_none(engine, c.doc, c.section)
    label = ui.escape_inline(ui.citation_heading(c, section))
    with st.expander(label, expanded=expanded, icon=":material/format_quote:"):
        st.markdown(ui.highlight(section.text, c.quote) if section else ui.quote_block(c.quote))
        st.button(
            tr("open_in_letter"),
            key=f"open-{turn_id}-{n}",
            on_click=open_section,
            args=(c.doc, c.section, c.quote),
            icon=":material/menu_book:",
            type="tertiary",
        )


def render_turn(engine: Engine, settings: Settings, entry: dict, latest: bool) -> None:
    with st.chat_message("user"):
        st.markdown(ui.escape_md(ui.shorten(entry["question"], 120 if "notice" in entry else 1000)))
    with st.chat_message("assistant"):
        if "notice" in entry:
            st.warning(ui.escape_inline(ui.notice_text(entry["notice"], ss.lang)), icon=":material/info:")
            return
        answer = entry["answer"]
        if not answer.found:
            st.markdown(f":gray-badge[:material/search_off: {tr('not_found')}]")
        elif answer.status in ("target", "result"):
            color, icon = ("orange", "flag") if answer.status == "target" else ("green", "check_circle")
            st.markdown(f":{color}-badge[:material/{icon}: {ui.status_text(answer.status, ss.lang)}]")
        st.markdown(ui.safe_answer_md(answer.answer))
        if answer.notice:
            st.caption(ui.escape_inline(answer.notice))
        if answer.resolved_question and answer.resolved_question != answer.question:
            st.caption(ui.escape_inline(tr("understood_as", question=answer.resolved_question)))
        if answer.citations:
            st.caption(tr("sources"))
            for n, c in enumerate(answer.citations):
                render_citation(engine, entry["id"], n, c, expanded=latest and n == 0)
        elif answer.closest:
            doc = engine.letter().doc
            section = section_or_none(engine, doc, answer.closest)
            name = ui.section_heading(section) if section else f"§{answer.closest}"
            st.button(
                ui.escape_inline(tr("closest", section=name)),
                key=f"closest-{entry['id']}",
                on_click=open_section,
                args=(doc, answer.closest, None),
                icon=":material/menu_book:",
                type="tertiary",
            )
        st.feedback("thumbs", key=f"fb-{entry['id']}", on_change=save_feedback, args=(entry["id"], settings.feedback_path))


def render_welcome(engine: Engine) -> None:
    meta = engine.letter().meta
    with st.chat_message("assistant"):
        st.markdown(tr("welcome", doc_number=ui.escape_inline(meta.doc_number), title=ui.escape_inline(meta.title)))
        st.caption(tr("try_these"))
        items = demo.suggestions(regression_questions())
        cols = st.columns(3)
        for n, s in enumerate(items):
            with cols[n % 3]:
                caption = tr(s.category)
                if s.then:
                    caption += " · " + tr("demo_then", then=ui.escape_inline(s.then[-1]))
                st.caption(caption)
                st.button(
                    ui.escape_inline(s.question),
                    key=f"demo-{s.id}",
                    on_click=queue,
                    args=(s.question,),
                    icon=s.icon,
                    use_container_width=True,
                    wrap=True,
                )


def render_followup_chip() -> None:
    asked = [e["question"] for e in ss.turns if e.get("answer")]
    nxt = demo.next_followup(asked, demo.suggestions(regression_questions()))
    if nxt:
        st.button(
            f"{tr('followup_hint')}：{ui.escape_inline(nxt)}",
            key=f"next-{ss.next_id}",
            on_click=queue,
            args=(nxt,),
            icon=":material/subdirectory_arrow_right:",
        )


def chat_view(engine: Engine, settings: Settings) -> None:
    prompt = st.chat_input(tr("chat_placeholder"), key="prompt")
    pending, ss.pending = ss.pending, []
    for question in [*pending, *([prompt] if prompt is not None else [])]:
        with st.spinner(tr("thinking")):
            ask(engine, settings, question)
    if not ss.turns:
        render_welcome(engine)
        return
    for n, entry in enumerate(ss.turns):
        render_turn(engine, settings, entry, latest=n == len(ss.turns) - 1)
    render_followup_chip()


# ------------------------------------------------------------------------------------------ letter


def render_meta_card(engine: Engine, doc: str) -> None:
    meta = engine.letter(doc).meta
    with st.container(border=True, key="meta_card"):
        st.markdown(f"##### :material/mail: {ui.escape_inline(meta.title)}", anchors=False)
        rows = ui.meta_rows(meta, ss.lang)
        cols = st.columns(2)
        for n, (label, value) in enumerate(rows):
            cols[n % 2].markdown(f":gray[{label}]&nbsp;&nbsp;{value}")


def render_focus(engine: Engine, focus: dict) -> None:
    section = section_or_none(engine, focus["doc"], focus["section"])
    if section is None:
        return
    with st.container(border=True, key="focus_card"):
        st.caption(tr("focused"))
        st.markdown(f"##### {ui.escape_inline(ui.section_heading(section))}", anchors=False)
        st.markdown(ui.highlight(section.text, focus.get("quote")))
        with st.container(horizontal=True):
            st.button(tr("back_to_chat"), key="focus_back", on_click=go_chat, icon=":material/arrow_back:")
            st.button(tr("close_focus"), key="focus_close", on_click=close_focus, icon=":material/close:", type="tertiary")


def render_section(section: Section, title: str, focus: dict | None) -> None:
    is_focus = bool(focus) and focus["section"] == section.id and focus["doc"] == section.doc
    quote = focus.get("quote") if is_focus else None
    with st.expander(ui.escape_inline(f"§{section.id} · {title}"), expanded=is_focus):
        st.markdown(ui.highlight(section.text, quote))


def letter_view(engine: Engine, doc: str) -> None:
    focus = ss.focus if ss.focus and ss.focus["doc"] == doc else None
    if focus:
        render_focus(engine, focus)
    render_meta_card(engine, doc)
    for group in ui.letter_outline(engine.letter(doc)):
        st.markdown(f"##### {ui.escape_inline(group.title(ss.lang))}", anchors=False)
        if group.kind == "header":
            render_section(group.sections[0], tr("outline_header"), focus)
            continue
        if group.kind == "part" and group.heading is not None and ui.part_heading_extra(group.heading):
            render_section(group.heading, group.heading.title, focus)
        for section in group.sections:
            render_section(section, ui.item_title(section) + (f" {section.title}" if group.kind == "preamble" else ""), focus)


# ------------------------------------------------------------------------------------------ figures


def figures_view(engine: Engine, doc: str) -> None:
    letter = engine.letter(doc)
    figures = engine.figures(doc)
    st.caption(tr("figures_intro"))
    c1, c2, c3 = st.columns([5, 3, 4], vertical_alignment="bottom")
    query = c1.text_input(tr("figures_search"), key="fig_query", placeholder=tr("figures_search_ph"), icon=":material/search:")
    part = c2.selectbox(
        tr("figures_part"),
        ui.part_options(letter),
        key="fig_part",
        format_func=lambda o, lang=ss.lang: ui.part_option_label(o, letter, lang),
    )
    status = c3.segmented_control(
        tr("figures_status"),
        ui.STATUS_OPTIONS,
        key="fig_status",
        default="all",
        required=True,
        format_func=lambda o, lang=ss.lang: ui.status_option_label(o, lang),
    )
    shown = ui.filter_figures(figures, query or "", part or "all", status or "all", letter)
    st.caption(tr("figures_count", total=len(figures), shown=len(shown)))
    if not shown:
        st.info(tr("figures_none"), icon=":material/search_off:")
        return
    col = lambda key: ui.t(ss.lang, key)  # noqa: E731
    targets = [(f.doc, f.section, f.sentence) for f in shown]
    st.dataframe(
        ui.figure_rows(shown, letter, ss.lang),
        key="fig_table",
        hide_index=True,
        on_select=lambda: figure_selected(targets),
        selection_mode="single-row",
        column_config={
            col("col_figure"): st.column_config.TextColumn(width=90),
            col("col_clause"): st.column_config.TextColumn(width="large"),
            col("col_status"): st.column_config.TextColumn(width=96),
            col("col_section"): st.column_config.TextColumn(width=124),
            col("col_value"): st.column_config.NumberColumn(width=64, format="%g"),
            col("col_unit"): st.column_config.TextColumn(width=52),
            col("col_qualifier"): st.column_config.TextColumn(width=52),
        },
    )


# ------------------------------------------------------------------------------------------ page


def sidebar(engine: Engine, settings: Settings, doc: str) -> None:
    with st.sidebar:
        st.segmented_control(
            "界面语言 · Language",
            ui.LANGS,
            key="lang",
            required=True,
            format_func=lambda o: {"zh": "中文", "en": "English"}[o],
        )
        if len(engine.letters) > 1:
            st.selectbox(
                tr("letter_pick"),
                [letter.doc for letter in engine.letters],
                key="doc",
                format_func=lambda d: engine.letter(d).meta.title or d,
            )
        st.subheader(tr("conversation"))
        answered = [(e["question"], e["answer"]) for e in ss.turns if e.get("answer")]
        meta = engine.letter(doc).meta
        st.download_button(
            tr("export"),
            ui.export_markdown(
                meta,
                answered,
                ss.lang,
                mode=engine.mode,
                section_of=lambda c: section_or_none(engine, c.doc, c.section),
            ),
            file_name=ui.export_filename(meta),
            mime="text/markdown",
            on_click="ignore",
            disabled=not answered,
            icon=":material/download:",
            use_container_width=True,
        )
        st.button(
            tr("clear"),
            key="clear_conversation",
            on_click=clear_conversation,
            disabled=not ss.turns,
            icon=":material/delete_sweep:",
            use_container_width=True,
        )
        st.subheader(tr("quality"))
        st.caption(tr("eval_help"))
        st.button(tr("eval_run"), key="run_eval", on_click=request_eval, icon=":material/fact_check:", use_container_width=True)


VIEW_ICONS = {"chat": ":material/chat: ", "letter": ":material/description: ", "figures": ":material/table: "}


def header(engine: Engine, settings: Settings, doc: str) -> None:
    meta = engine.letter(doc).meta
    st.markdown(
        f"### :material/mark_email_read: {tr('app_title')}"
        f" :gray[· {ui.escape_inline(meta.doc_number)}]",
        anchors=False,
    )
    st.caption(ui.escape_inline(meta.title))
    report = last_report(settings)
    mark = ":green[:material/verified:]" if ui.eval_ok(report) else ":gray[:material/rule:]"
    st.caption(
        f":material/smart_toy: {ui.escape_inline(ui.mode_line(engine.mode, ss.lang, settings.llm_model))}"
        f" &nbsp;·&nbsp; {mark} {ui.escape_inline(ui.eval_line(report, ss.lang))}"
    )
    st.segmented_control(
        tr("view_label"),
        ui.VIEWS,
        key="view",
        required=True,
        format_func=lambda v, lang=ss.lang: VIEW_ICONS[v] + ui.t(lang, f"view_{v}"),
        label_visibility="collapsed",
    )


def run_regression(engine: Engine) -> None:
    with st.spinner(tr("eval_running")):
        try:
            run_eval(engine, load_questions())
        except Exception:
            log.exception("regression run failed")
            st.error(tr("eval_failed"))


def main() -> None:
    try:
        settings = Settings.from_env()
    except SettingsError as err:
        st.error(ui.escape_inline(str(err)))
        st.stop()
    engine = get_engine(settings)
    if engine.notice:
        st.warning(ui.escape_inline(engine.notice))
    doc = ss.get("doc") or (ss.focus or {}).get("doc") or engine.letter().doc
    if ss.pop("eval_requested", False):
        run_regression(engine)
    header(engine, settings, doc)
    if ss.view == "letter":
        letter_view(engine, doc)
    elif ss.view == "figures":
        figures_view(engine, doc)
    else:
        chat_view(engine, settings)
    sidebar(engine, settings, doc)  # last, so export and clear see this run's answers


main()
