"""What the chat page and the owner page share in Streamlit: the one engine of the process, the
stylesheet (normal and presenter view) and the small script that makes citation links open their
section and counts characters in the question box. What to show is decided in rag.ui."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import streamlit as st

import rag.engine
from rag import ui
from rag.engine import Engine
from rag.settings import Settings, SettingsError

log = logging.getLogger(__name__)

STYLE = (Path(__file__).parent / "page.css").read_text(encoding="utf-8")
PRESENT_STYLE = (Path(__file__).parent / "present.css").read_text(encoding="utf-8")
HELPER_JS = (Path(__file__).parent / "page_helper.js").read_text(encoding="utf-8")


def settings_or_stop() -> Settings:
    """The settings, or the page stops with the one-line message that names the variable."""
    try:
        return Settings.from_env()
    except SettingsError as err:
        st.error(ui.escape_inline(str(err)))
        st.stop()
        raise  # st.stop() ends the run; this line is never reached


@st.cache_resource(show_spinner=False)
def _engine_slot(settings_key: str) -> ui.EngineSlot:
    return ui.EngineSlot()


def get_engine(settings: Settings, tr: Callable[..., str]) -> Engine:
    """The process-wide engine. When the index must be built first (no `python -m rag index` ran),
    a progress bar counts the records as they are stored."""
    slot = _engine_slot(settings.cache_key())  # never repr(settings): no secret in a cache key
    if slot.engine is not None:
        return slot.engine
    first = settings.chroma_host is None and not settings.chroma_dir.exists()
    holder = st.empty()  # the progress box goes away once the engine is ready
    with holder.status(tr("building" if first else "loading"), expanded=True) as status:
        bar = st.progress(0.0, text=tr("building_model"))

        def progress(done: int, total: int, doc: str) -> None:
            bar.progress(min(done / total, 1.0) if total else 1.0, text=tr("building_step", done=done, total=total, doc=doc))

        try:
            # an unusable data folder or Chroma server: answer from an index in memory, and say so
            built = slot.get(lambda: rag.engine.load_engine(settings, progress=progress, memory_fallback=True))
        except Exception:
            log.exception("the engine did not start")
            status.update(label=tr("engine_failed"), state="error")
            st.stop()
        status.update(label=tr("ready"), state="complete", expanded=False)
    holder.empty()
    return built


def style(present: bool) -> None:
    """The page's stylesheet; the presenter view adds large type and hides the sidebar."""
    st.html(f"<style>{STYLE}\n{PRESENT_STYLE if present else ''}</style>")


_helper = st.components.v2.component("letter_qa.page_helper", js=HELPER_JS)


def helper(limit: int, unit: str, scroll: dict | None = None) -> str | None:
    """Mount the page's script; returns the section link clicked in this run ('#cite:0:doc:0.2'), if any.

    The script opens cited sections without leaving the page, shows a live count of characters in the
    question box once it nears `limit`, and brings the container keyed `scroll["key"]` into view once
    per new `scroll["n"]`.
    """
    data = {"limit": limit, "unit": unit, "scroll": scroll}
    result = _helper(key="page_helper", data=data, on_open_change=lambda: None, height=0)
    clicked = result.get("open") if hasattr(result, "get") else getattr(result, "open", None)
    return str(clicked).split("|", 1)[0] if clicked else None
