"""Owner page (/owner): what visitors thought of the answers, and the regression run.

Not linked from the visitors' page; reached by its address. The page renders; rag.feedback shapes the
table, rag.eval_job runs the regression set in the background.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from rag import page, ui
from rag.eval_job import job_for
from rag.evaluation import last_report, load_questions
from rag.feedback import feedback_rows, read_feedback_records, rows_csv
from rag.settings import Settings

st.set_page_config(page_title="管理页 · Letter Q&A", layout="wide")
ss = st.session_state


def tr(key: str, **values: Any) -> str:
    return ui.t(ss.get("lang", "zh"), key, **values)


def request_run() -> None:
    ss.run_requested = True


def feedback_section(settings: Settings) -> None:
    st.subheader(tr("owner_feedback"))
    st.caption(tr("owner_feedback_file", path=ui.escape_inline(str(settings.feedback_path))))
    records = read_feedback_records(settings.feedback_path)
    if records.skipped:
        st.warning(tr("owner_feedback_skipped", n=records.skipped))
    if not records.items:
        st.info(tr("owner_feedback_none"))
        return
    with st.container(horizontal=True, vertical_alignment="bottom"):
        rating = st.segmented_control(
            tr("owner_filter_rating"),
            ("all", "up", "down"),
            key="fb_rating",
            default="all",
            required=True,
            format_func=lambda o: tr(f"rating_{o}"),
        )
        text = st.text_input(tr("owner_filter_text"), key="fb_text", max_chars=200, width=360)
    everything = feedback_rows(records.items)
    rows = feedback_rows(records.items, rating or "all", text or "")
    st.caption(tr("owner_feedback_count", total=len(everything), shown=len(rows)))
    shown = [
        {
            tr("col_time"): r["time"],
            tr("col_rating"): tr(f"rating_{r['rating']}") if r["rating"] in ("up", "down") else "—",
            tr("col_question"): r["question"],
            tr("col_answer"): ui.shorten(r["answer"], 300),
            tr("col_comment"): r["comment"],
        }
        for r in rows
    ]
    st.dataframe(
        shown,
        key="fb_table",
        hide_index=True,
        column_config={
            tr("col_time"): st.column_config.TextColumn(width=130),
            tr("col_rating"): st.column_config.TextColumn(width=90),
            tr("col_question"): st.column_config.TextColumn(width="medium"),
            tr("col_answer"): st.column_config.TextColumn(width="large"),
            tr("col_comment"): st.column_config.TextColumn(width="medium"),
        },
    )
    st.download_button(
        tr("owner_download"),
        rows_csv(rows),
        file_name="letter-qa-feedback.csv",
        mime="text/csv",
        on_click="ignore",
        disabled=not rows,
    )


def scoreboard(report: dict | None) -> None:
    st.caption(ui.escape_inline(ui.eval_line(report, ss.get("lang", "zh"))))
    if not report or not isinstance(report.get("by_kind"), dict):
        return
    st.dataframe(
        [
            {
                tr("col_kind"): kind,
                tr("col_passed"): row.get("passed", 0),
                tr("col_total"): row.get("total", 0),
                tr("col_wrong_found"): row.get("wrong_found", 0),
                tr("col_wrong_refusal"): row.get("wrong_refusal", 0),
            }
            for kind, row in report["by_kind"].items()
        ],
        key="eval_table",
        hide_index=True,
    )
    failures = report.get("failures") or []
    if failures:
        with st.expander(tr("owner_failures", n=len(failures))):
            st.dataframe(
                [
                    {"id": f.get("id"), tr("col_question"): f.get("question"), tr("col_problems"): "; ".join(f.get("problems") or [])}
                    for f in failures
                ],
                hide_index=True,
            )


def eval_section(settings: Settings) -> None:
    st.subheader(tr("owner_eval"))
    st.caption(tr("owner_eval_report", path=ui.escape_inline(str(settings.eval_report_path))) + " · `python -m rag eval`")
    job = job_for(str(settings.data_dir))
    if ss.pop("run_requested", False) and not job.running:
        job.start(page.get_engine(settings, tr), load_questions())
    st.button(tr("eval_run"), key="run_eval", on_click=request_run, disabled=job.running)
    if job.running:
        progress(job)
    elif job.error:
        st.error(tr("eval_failed"))
    elif job.report:
        st.success(tr("owner_eval_done", passed=job.report["passed"], total=job.report["total"], seconds=job.report["seconds"]))
    scoreboard(last_report(settings))


@st.fragment(run_every=1.0)
def progress(job) -> None:
    """Redrawn every second while the run goes on; the whole page once it is over."""
    if not job.running:
        st.rerun(scope="app")
    st.progress(job.done / job.total if job.total else 0.0, text=tr("owner_eval_progress", done=job.done, total=job.total))


def main() -> None:
    settings = page.settings_or_stop()
    page.style(False)
    st.markdown(f"### {tr('owner_title')} · {tr('app_title')}", anchors=False)
    st.caption(tr("owner_intro"))
    st.page_link("app.py", label=tr("owner_back"))
    eval_section(settings)
    feedback_section(settings)


main()
