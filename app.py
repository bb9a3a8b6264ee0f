"""Letter Q&A — chat with one letter, open every source, check every figure.

Run:  streamlit run app.py
The page renders; `rag` decides (answers in rag.engine, what to show in rag.ui, conversations on disk in
rag.conversations, the shared engine and stylesheet in rag.page). The owner page is pages/owner.py.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from rag import demo, page, ui
from rag.conversations import ConversationStore, new_id, valid_id
from rag.engine import Engine
from rag.evaluation import last_report, load_questions
from rag.feedback import append_feedback, feedback_record
from rag.settings import Settings
from rag.types import Answer, Section

log = logging.getLogger("letter_qa.app")
if not logging.getLogger().handlers:  # `streamlit run` leaves the root logger bare: errors go to stderr
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="信件问答 · Letter Q&A", layout="wide")

ss = st.session_state
ss.setdefault("turns", [])  # {"id", "question", "answer" | "notice"} in order
ss.setdefault("next_id", 0)
ss.setdefault("pending", [])  # questions to ask in this run (chips, the box, a ?q= link)
ss.setdefault("focus", None)  # {"doc", "section", "quotes", "figure"}: the section the letter view opens at
ss.setdefault("lang", "zh")
ss.setdefault("view", "chat")
ss.setdefault("ratings", {})  # turn id → thumbs score, as saved
ss.setdefault("seen", [])  # conversations of this browser session
ss.setdefault("hit", 0)  # the current match of the letter search


def tr(key: str, **values: Any) -> str:
    return ui.t(ss.lang, key, **values)


@st.cache_resource(show_spinner=False)
def regression_questions() -> list[dict]:
    return load_questions()


def demo_items() -> list[demo.Suggestion]:
    return demo.suggestions(regression_questions())


# ------------------------------------------------------------------------------------------ conversations


def store(settings: Settings) -> ConversationStore:
    return ConversationStore(settings.data_dir / "conversations")


def load_saved(settings: Settings, conversation_id: str):
    """The saved conversation, or None when there is none or it cannot be read (logged, not shown)."""
    try:
        return store(settings).load(conversation_id) if store(settings).exists(conversation_id) else None
    except (OSError, ValueError):
        log.exception("conversation %s could not be read", conversation_id)
        return None


def show_conversation(settings: Settings, conversation_id: str) -> None:
    """Make `conversation_id` the page's conversation, as saved, and put it in the address."""
    saved = load_saved(settings, conversation_id)
    ss.conversation = conversation_id
    ss.turns = saved.entries if saved else []
    ss.next_id = saved.next_turn if saved else 0
    ss.ratings = dict(saved.ratings) if saved else {}
    ss.focus = None
    for key in [k for k in ss if isinstance(k, str) and k.startswith("fb-")]:
        del ss[key]  # thumbs of the conversation left behind
    if saved and saved.skipped:
        ss.page_notice = ("conversation_skipped", {"n": saved.skipped})
    if conversation_id not in ss.seen:
        ss.seen.append(conversation_id)
    st.query_params["c"] = conversation_id


def boot(settings: Settings) -> None:
    """The first run of a browser session: the conversation, language and view the address asks for."""
    params = st.query_params
    asked, wanted = params.get("q"), params.get("c")
    if params.get("lang") in ui.LANGS:  # the language switch reads it too, but only once drawn, last
        ss.lang = params["lang"]
    ss.present = params.get("view") == "present"
    if asked is not None:  # a shared answer: asked afresh in a conversation of its own
        del params["q"]
        show_conversation(settings, new_id())
        submit(asked)
        return
    if wanted is not None and not valid_id(wanted):
        ss.page_notice = ("bad_link", {})
        wanted = None
    show_conversation(settings, wanted or new_id())
    saved = load_saved(settings, ss.conversation)
    if "lang" not in params and saved is not None and saved.lang in ui.LANGS:
        ss.lang = saved.lang


def save_turn(settings: Settings, entry: dict) -> None:
    try:
        store(settings).add_turn(ss.conversation, entry, lang=ss.lang, previous=ss.get("previous"))
    except OSError:
        log.exception("conversation %s not saved", ss.conversation)
        st.toast(tr("save_failed"))


def new_conversation(settings: Settings) -> None:
    if ss.turns:
        ss.previous = ss.conversation  # so the new one lists this one among its earlier conversations
    show_conversation(settings, new_id())
    ss.pending = []
    ss.view = "chat"


def lang_changed(settings: Settings) -> None:
    if ss.lang == "zh":
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = ss.lang  # a reload or a copied address keeps the language
    try:
        store(settings).set_lang(ss.conversation, ss.lang, previous=ss.get("previous"))
    except OSError:
        log.exception("language of conversation %s not saved", ss.conversation)


def earlier_conversations(settings: Settings) -> list:
    """This session's other conversations and those the current one was started from, newest first."""
    ids = [c for c in reversed(ss.seen) if c != ss.conversation]
    try:
        ids += [c.id for c in store(settings).earlier(ss.conversation)]
    except OSError:
        log.exception("earlier conversations could not be read")
    out = []
    for cid in dict.fromkeys(ids):
        if (saved := load_saved(settings, cid)) is not None and saved.entries:
            out.append(saved)
    return out[:5]


# ------------------------------------------------------------------------------------------ callbacks


def section_key(doc: str, section_id: str) -> str:
    return f"sec-{doc}-{section_id}".replace(".", "_")


def scroll_to(target: str) -> None:
    """Have the page script bring `target` (a container key) into view after this run."""
    ss.scroll = {"key": target, "n": ss.get("scroll", {}).get("n", 0) + 1}


def open_section(doc: str, section_id: str, quotes: tuple[str, ...] = (), figure: str | None = None) -> None:
    ss.focus = {"doc": doc, "section": section_id, "quotes": list(quotes), "figure": figure}
    ss.view = "letter"
    scroll_to("focus_card")
    ss[section_key(doc, section_id)] = True
    if "doc" in ss:  # several letters: show the one the section belongs to
        ss.doc = doc


def open_citation(href: str) -> None:
    """A [§k.n] link of an answer was clicked: open its section with that answer's sentences and figure."""
    target = ui.parse_cite_href(href)
    if target is None:
        return
    turn, doc, section_id = target
    entry = next((e for e in ss.turns if e["id"] == turn and e.get("answer")), None)
    quotes: tuple[str, ...] = ()
    figure = None
    if entry is not None:
        answer = entry["answer"]
        quotes = next((s.quotes for s in ui.sources(answer) if (s.doc, s.section) == (doc, section_id)), ())
        figure = ui.answer_figure(answer.answer)
    open_section(doc, section_id, quotes, figure)


def go_chat() -> None:
    ss.view = "chat"


def close_focus() -> None:
    ss.focus = None


def submit(raw: str | None) -> None:
    """A question from the box, a chip or a link. One that is too long goes back into the box."""
    check = ui.precheck(raw, ss.get("max_chars", 500), ss.lang)
    if check.action == "ignore":
        return
    if check.action == "refuse":
        ss.too_long = {"length": len(check.question), "limit": ss.get("max_chars", 500)}
        ss.prompt = str(raw)  # kept for trimming, not emptied
        return
    ss.pop("too_long", None)
    ss.pending.append(check.question)
    ss.view = "chat"


def prompt_submitted() -> None:
    submit(ss.get("prompt"))


def queue(*questions: str) -> None:
    for question in questions:
        submit(question)


def save_feedback(settings: Settings, turn_id: int) -> None:
    entry = next((e for e in ss.turns if e["id"] == turn_id and e.get("answer")), None)
    if entry is None:
        return
    score = ss.get(f"fb-{turn_id}")
    try:
        append_feedback(
            settings.feedback_path,
            feedback_record(entry["answer"], score, turn=turn_id, lang=ss.lang, conversation=ss.conversation),
        )
        store(settings).rate(ss.conversation, turn_id, score, lang=ss.lang, previous=ss.get("previous"))
    except OSError:
        log.exception("feedback not saved")
        st.toast(tr("feedback_failed"))
        return
    ss.ratings[turn_id] = score
    if score is not None:
        st.toast(tr("feedback_thanks"))


def save_comment(settings: Settings, turn_id: int) -> None:
    entry = next((e for e in ss.turns if e["id"] == turn_id and e.get("answer")), None)
    comment = str(ss.get(f"comment-{turn_id}") or "").strip()
    if entry is None or not comment:
        return
    record = feedback_record(
        entry["answer"], ss.ratings.get(turn_id), turn=turn_id, lang=ss.lang, conversation=ss.conversation, comment=comment
    )
    try:
        append_feedback(settings.feedback_path, record)
    except OSError:
        log.exception("feedback comment not saved")
        st.toast(tr("feedback_failed"))
        return
    ss[f"comment-{turn_id}"] = ""
    st.toast(tr("feedback_comment_saved"))


def figure_selected(shown: list[tuple[str, str, str]]) -> None:
    rows = ss.get("fig_table", {}).get("selection", {}).get("rows", [])
    if rows and rows[0] < len(shown):
        doc, section, sentence = shown[rows[0]]
        open_section(doc, section, (sentence,))


def present_changed() -> None:
    if ss.present:
        st.query_params["view"] = "present"
    else:
        st.query_params.pop("view", None)


# ------------------------------------------------------------------------------------------ chat


def ask_pending(engine: Engine, settings: Settings, live: bool = False) -> bool:
    """Answer the questions waiting in this run. `live` (the chat view, after the conversation): with a
    working language model, its text is shown as it is written, then the checked answer replaces it."""
    pending, ss.pending = ss.pending, []
    streams = live and engine.model_status.ok
    for question in pending:
        revised: list[bool] = []
        if streams:
            with st.chat_message("user"):
                st.markdown(ui.escape_md(ui.shorten(question, 1000)))
            with st.chat_message("assistant"):
                st.caption(tr("thinking"))
                ask = ui.streaming_ask(engine.ask_stream, st.write_stream, revised)
                entry = ui.answer_entry(ask, question, ss.turns, ss.next_id, settings.max_question_chars)
        else:
            with st.spinner(tr("thinking")):
                entry = ui.answer_entry(engine.ask, question, ss.turns, ss.next_id, settings.max_question_chars)
        if entry is not None:
            if any(revised):
                entry["revised"] = True
            ss.next_id += 1
            ss.turns.append(entry)
            save_turn(settings, entry)
    return bool(pending)


def section_or_none(engine: Engine, doc: str, section_id: str) -> Section | None:
    try:
        return engine.section(doc, section_id)
    except KeyError:
        return None


def share_url(answer: Answer) -> str:
    base = (st.context.url or "http://localhost:8501/").split("?", 1)[0].split("#", 1)[0]
    return base + "?" + urlencode(ui.share_params(answer, ss.lang))


def render_source(engine: Engine, turn_id: int, n: int, source: ui.Source, figure: str | None, expanded: bool) -> None:
    section = section_or_none(engine, source.doc, source.section)
    label = ui.escape_inline(ui.citation_heading(source.citation, section))
    with st.expander(label, expanded=expanded):
        if section:
            st.markdown(ui.highlight(section.text, source.quotes, figure))
        else:
            st.markdown("\n\n".join(ui.quote_block(q) for q in source.quotes))
        st.button(
            tr("open_in_letter"),
            key=f"open-{turn_id}-{n}",
            on_click=open_section,
            args=(source.doc, source.section, source.quotes, figure),
            type="tertiary",
        )


def render_answer_tools(settings: Settings, entry: dict) -> None:
    turn_id = entry["id"]
    with st.container(horizontal=True, vertical_alignment="center", key=f"tools-{turn_id}"):
        st.feedback(
            "thumbs",
            key=f"fb-{turn_id}",
            default=ss.ratings.get(turn_id),
            on_change=save_feedback,
            args=(settings, turn_id),
        )
        if ss.ratings.get(turn_id) is not None:
            with st.popover(tr("feedback_comment")):
                with st.form(f"comment-form-{turn_id}", border=False):
                    st.text_area(tr("feedback_comment"), key=f"comment-{turn_id}", max_chars=2000, label_visibility="collapsed")
                    st.form_submit_button(tr("feedback_send"), on_click=save_comment, args=(settings, turn_id))
        with st.popover(tr("share")):
            st.caption(tr("share_help"))
            st.code(share_url(entry["answer"]), language=None, wrap_lines=True)


def render_turn(engine: Engine, settings: Settings, entry: dict, latest: bool) -> None:
    with st.chat_message("user"):
        st.markdown(ui.escape_md(ui.shorten(entry["question"], 120 if "notice" in entry else 1000)))
    with st.chat_message("assistant"):
        if "notice" in entry:
            st.warning(ui.escape_inline(ui.notice_text(entry["notice"], ss.lang)))
            return
        answer = entry["answer"]
        if not answer.found:
            st.markdown(f":gray-badge[{tr('not_found')}]")
        elif answer.status in ("target", "result"):
            color = "orange" if answer.status == "target" else "green"
            st.markdown(f":{color}-badge[{ui.status_text(answer.status, ss.lang)}]")
        before, lead, after = ui.answer_markdown(answer, engine.letter().doc, entry["id"])
        if before:
            st.markdown(before)
        if lead:
            with st.container(key=f"lead-{entry['id']}"):
                st.markdown(lead)
        if after:
            st.markdown(after)
        if entry.get("revised"):
            st.caption(ui.escape_inline(tr("revised")))
        if badge := ui.answer_badge(answer, ss.lang, settings.uses_llm):
            st.caption(ui.escape_inline(badge))
        if answer.notice:
            st.caption(ui.escape_inline(answer.notice))
        if answer.resolved_question and answer.resolved_question != answer.question:
            st.caption(ui.escape_inline(tr("understood_as", question=answer.resolved_question)))
        figure = ui.answer_figure(answer.answer)
        if answer.citations:
            if not ss.present:
                st.caption(tr("sources"))
            for n, source in enumerate(ui.sources(answer)):
                render_source(engine, entry["id"], n, source, figure, expanded=latest and n == 0 and not ss.present)
        elif answer.closest:
            doc = engine.letter().doc
            section = section_or_none(engine, doc, answer.closest)
            name = ui.section_heading(section) if section else f"§{answer.closest}"
            st.button(
                ui.escape_inline(tr("closest", section=name)),
                key=f"closest-{entry['id']}",
                on_click=open_section,
                args=(doc, answer.closest),
                type="tertiary",
            )
        render_answer_tools(settings, entry)


def render_welcome(engine: Engine) -> None:
    meta = engine.letter().meta
    with st.chat_message("assistant"):
        st.markdown(tr("welcome", doc_number=ui.escape_inline(meta.doc_number), title=ui.escape_inline(meta.title)))
        st.caption(tr("try_these"))
        cols = st.columns(3)
        for n, s in enumerate(demo_items()):
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
                    use_container_width=True,
                    wrap=True,
                )


def render_followup_chip() -> None:
    asked = [e["question"] for e in ss.turns if e.get("answer")]
    nxt = demo.next_followup(asked, demo_items())
    if nxt:
        st.button(f"{tr('followup_hint')}：{ui.escape_inline(nxt)}", key=f"next-{ss.next_id}", on_click=queue, args=(nxt,))


def render_too_long() -> None:
    if too_long := ss.get("too_long"):
        st.warning(tr("too_long", **too_long) + " " + tr("too_long_kept"))
        st.caption(tr("counter", **too_long))


def render_demo_step() -> None:
    """The presenter's one button: ask the next demo question (named in its tooltip)."""
    walk = demo.steps(demo_items())
    n = demo.next_step([e["question"] for e in ss.turns], walk)
    if n < len(walk):
        st.button(
            tr("present_step", n=n + 1, total=len(walk)),
            key="present_next",
            on_click=queue,
            args=(walk[n],),
            type="primary",
            help=ui.escape_inline(walk[n]),
        )
    else:
        st.caption(tr("present_done"))


def chat_view(engine: Engine, settings: Settings) -> None:
    if ss.present:
        shown = ss.turns[-1:]  # one exchange at a time, large
    else:
        shown = ss.turns
    if not shown:
        render_welcome(engine)
    for n, entry in enumerate(shown):
        render_turn(engine, settings, entry, latest=n == len(shown) - 1)
    if ss.pending and ask_pending(engine, settings, live=True):
        st.rerun()  # the new answers drawn with the rest of the conversation (sources, tools, export)
    if shown and not ss.present:
        render_followup_chip()
    render_too_long()


# ------------------------------------------------------------------------------------------ letter


def render_meta_card(engine: Engine, doc: str) -> None:
    meta = engine.letter(doc).meta
    with st.container(border=True, key="meta_card"):
        st.markdown(f"##### {ui.escape_inline(meta.title)}", anchors=False)
        rows = ui.meta_rows(meta, ss.lang)
        cols = st.columns(2)
        for n, (label, value) in enumerate(rows):
            cols[n % 2].markdown(f":gray[{label}]&nbsp;&nbsp;{value}")


def render_focus(engine: Engine, focus: dict, marks: list, hits: list[ui.Hit] | None = None) -> None:
    """The section being looked at, on top: a cited one with its sentences and figure marked, or the
    current search match, with the steps to the previous and next match at hand."""
    section = section_or_none(engine, focus["doc"], focus["section"])
    if section is None:
        return
    with st.container(border=True, key="focus_card"):
        st.caption(tr("letter_hits", n=ss.hit + 1, total=len(hits)) if hits else tr("focused"))
        st.markdown(f"##### {ui.escape_inline(ui.section_heading(section))}", anchors=False)
        st.markdown(ui.highlight(section.text, focus.get("quotes"), focus.get("figure"), marks))
        with st.container(horizontal=True):
            if hits:
                st.button(tr("prev_hit"), key="prev_hit", on_click=step_hit, args=(hits, -1))
                st.button(tr("next_hit"), key="next_hit", on_click=step_hit, args=(hits, 1))
            st.button(tr("back_to_chat"), key="focus_back", on_click=go_chat)
            if not hits:
                st.button(tr("close_focus"), key="focus_close", on_click=close_focus, type="tertiary")


def search_changed(hits_of) -> None:
    ss.hit = 0
    ss.focus = None  # the first match is what the card at the top shows
    for hit in hits_of(ss.get("letter_query")):
        ss[section_key(hit.doc, hit.section)] = True
    scroll_to("focus_card")


def step_hit(hits: list[ui.Hit], step: int) -> None:
    if hits:
        ss.hit = (ss.hit + step) % len(hits)
        hit = hits[ss.hit]
        ss[section_key(hit.doc, hit.section)] = True
        ss.focus = None  # the current match is what the card at the top shows
        scroll_to("focus_card")


def set_all_sections(keys: list[str], expanded: bool) -> None:
    for key in keys:
        ss[key] = expanded


def render_section(section: Section, title: str, focus: dict | None, marks: list) -> None:
    is_focus = bool(focus) and focus["section"] == section.id and focus["doc"] == section.doc
    key = section_key(section.doc, section.id)
    with st.expander(ui.escape_inline(f"§{section.id} · {title}"), key=key, on_change="rerun"):
        st.markdown(
            ui.highlight(
                section.text,
                focus.get("quotes") if is_focus else None,
                focus.get("figure") if is_focus else None,
                marks,
            )
        )


def letter_view(engine: Engine, doc: str) -> None:
    letter = engine.letter(doc)
    order = ui.letter_order(letter)
    keys = [section_key(s.doc, s.id) for s in order]

    def hits_of(query: str | None) -> list[ui.Hit]:
        return ui.letter_hits(letter, query)

    with st.container(horizontal=True, vertical_alignment="bottom", key="letter_tools"):
        st.text_input(
            tr("letter_search"),
            key="letter_query",
            placeholder=tr("letter_search_ph"),
            max_chars=ui.MAX_SEARCH_CHARS,
            on_change=search_changed,
            args=(hits_of,),
            width=320,
        )
        hits = hits_of(ss.get("letter_query"))
        ss.hit = min(ss.hit, len(hits) - 1) if hits else 0
        st.button(tr("expand_all"), key="expand_all", on_click=set_all_sections, args=(keys, True))
        st.button(tr("collapse_all"), key="collapse_all", on_click=set_all_sections, args=(keys, False))
    query = (ss.get("letter_query") or "").strip()
    if query and not hits:
        st.info(tr("letter_no_hits", query=ui.shorten(query, 40)))
    current = hits[ss.hit] if hits else None
    marks: dict[str, list] = {}
    for n, hit in enumerate(hits):
        marks.setdefault(hit.section, []).append((hit.start, hit.end, "current" if n == ss.hit else "hit"))

    toc, body = st.columns([1, 3], gap="medium")
    with toc, st.container(key="toc"):
        st.markdown(f"**{tr('toc')}**")
        for section in order:
            st.button(
                ui.escape_inline(ui.toc_label(section, ss.lang)),
                key=f"toc-{section_key(section.doc, section.id)}",
                on_click=open_section,
                args=(section.doc, section.id),
                type="tertiary",
            )
    with body:
        focus = ss.focus if ss.focus and ss.focus["doc"] == doc else None
        if current is not None and focus is None:
            render_focus(engine, {"doc": current.doc, "section": current.section}, marks.get(current.section, []), hits)
        elif focus:
            render_focus(engine, focus, marks.get(focus["section"], []))
        render_meta_card(engine, doc)
        for group in ui.letter_outline(letter):
            st.markdown(f"##### {ui.escape_inline(group.title(ss.lang))}", anchors=False)
            if group.kind == "header":
                render_section(group.sections[0], tr("outline_header"), focus, marks.get("0", []))
                continue
            heading = group.heading
            if group.kind == "part" and heading is not None and (ui.part_heading_extra(heading) or heading.id in marks):
                render_section(heading, heading.title, focus, marks.get(heading.id, []))
            for section in group.sections:
                title = ui.item_title(section) + (f" {section.title}" if group.kind == "preamble" else "")
                render_section(section, title, focus, marks.get(section.id, []))


# ------------------------------------------------------------------------------------------ figures


def figures_view(engine: Engine, doc: str) -> None:
    letter = engine.letter(doc)
    figures = engine.figures(doc)
    st.caption(tr("figures_intro"))
    c1, c2, c3 = st.columns([5, 3, 4], vertical_alignment="bottom")
    query = c1.text_input(tr("figures_search"), key="fig_query", placeholder=tr("figures_search_ph"))
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
        st.info(tr("figures_none"))
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
            col("col_clause"): st.column_config.TextColumn(width="medium"),
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
            on_change=lang_changed,
            args=(settings,),
        )
        if len(engine.letters) > 1:
            st.selectbox(
                tr("letter_pick"),
                [letter.doc for letter in engine.letters],
                key="doc",
                format_func=lambda d: engine.letter(d).meta.title or d,
            )
        st.subheader(tr("conversation"))
        st.button(
            tr("new_conversation"),
            key="new_conversation",
            on_click=new_conversation,
            args=(settings,),
            disabled=not ss.turns,
            use_container_width=True,
        )
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
            use_container_width=True,
        )
        earlier = earlier_conversations(settings)
        if earlier:
            st.caption(tr("earlier"))
            for saved in earlier:
                st.button(
                    ui.escape_inline(ui.shorten(saved.title, 24)),
                    key=f"earlier-{saved.id}",
                    on_click=show_conversation,
                    args=(settings, saved.id),
                    type="tertiary",
                    help=ui.escape_inline(ui.shorten(saved.title, 200)),
                )


def header(engine: Engine, settings: Settings, doc: str) -> None:
    meta = engine.letter(doc).meta
    st.markdown(f"### {tr('app_title')} :gray[· {ui.escape_inline(meta.doc_number)}]", anchors=False)
    if not ss.present:  # a projector has no room for the fine print
        header_details(engine, settings, doc)
    with st.container(horizontal=True, vertical_alignment="center", key="view_bar"):
        st.segmented_control(
            tr("view_label"),
            ui.VIEWS,
            key="view",
            required=True,
            format_func=lambda v, lang=ss.lang: ui.t(lang, f"view_{v}"),
            label_visibility="collapsed",
        )
        st.toggle(tr("present"), key="present", on_change=present_changed)
        if ss.present and ss.view == "chat":
            render_demo_step()


def header_details(engine: Engine, settings: Settings, doc: str) -> None:
    meta = engine.letter(doc).meta
    st.caption(ui.escape_inline(meta.title))
    report = last_report(settings)
    mark = ":green[✓] " if ui.eval_ok(report) else ""
    st.caption(
        f"{ui.escape_inline(ui.mode_line(engine.mode, ss.lang, settings.llm_model, engine.model_status))}"
        f" &nbsp;·&nbsp; {mark}{ui.escape_inline(ui.eval_line(report, ss.lang))}"
    )


def main() -> None:
    settings = page.settings_or_stop()
    ss.max_chars = settings.max_question_chars
    if not ss.get("booted"):
        ss.booted = True
        boot(settings)
    page.style(ss.present)
    engine = page.get_engine(settings, tr)
    if engine.notice:
        st.warning(ui.escape_inline(engine.notice))
    if notice := ss.pop("page_notice", None):
        st.info(tr(notice[0], **notice[1]))
    if clicked := page.helper(settings.max_question_chars, tr("counter_unit"), ss.get("scroll")):
        open_citation(clicked)
        st.rerun()  # draw the letter view, and have the script bring the section into view
    st.chat_input(tr("chat_placeholder"), key="prompt", on_submit=prompt_submitted)
    if ss.view in ("letter", "figures"):
        ask_pending(engine, settings)  # the chat view asks after drawing the conversation, streaming
    doc = ss.get("doc") or (ss.focus or {}).get("doc") or engine.letter().doc
    header(engine, settings, doc)
    if ss.view == "letter":
        letter_view(engine, doc)
    elif ss.view == "figures":
        figures_view(engine, doc)
    else:
        chat_view(engine, settings)
    sidebar(engine, settings, doc)  # last, so export and the conversation list see this run's answers


main()
