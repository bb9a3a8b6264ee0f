"""Command line: ask / chat / index / outline / eval / bench (see README)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rag.index import StoreError
from rag.settings import Settings, SettingsError
from rag.structure import CorpusError
from rag.types import Turn
from rag.validate import BadQuestion, decode_question

log = logging.getLogger("rag.cli")

EXIT_BAD_INPUT = 2


def _progress_bar():
    """A tqdm bar on a terminal, nothing when piped."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int, doc: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=f"indexing {doc}", unit="chunk", file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
            bar = None

    return update


def _engine(settings: Settings):
    from rag.engine import load_engine

    return load_engine(settings, progress=_progress_bar())


def _question_arg(raw: str) -> str:
    # argv arrives decoded with surrogateescape: undecodable bytes become lone surrogates.
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return decode_question(os.fsencode(raw))
    return raw


def _print_answer(answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.as_dict(), ensure_ascii=False))
        return
    print(answer.answer)
    if answer.fallback_reason:
        print(f"\n  (extractive answer; the language model's was not used: {answer.fallback_reason})")
    if answer.citations:
        print()
        for c in answer.citations:
            print(f"  [§{c.section}] {c.label}")
    print()


def cmd_ask(args, settings: Settings) -> int:
    from rag.validate import clean_question

    try:
        question = clean_question(_question_arg(args.question), settings)
    except BadQuestion as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    answer = _engine(settings).ask(question)
    _print_answer(answer, args.json)
    return 0


def cmd_chat(args, settings: Settings) -> int:
    engine = _engine(settings)
    history: list[Turn] = []
    interactive = sys.stdin.isatty() and not args.json
    if interactive:
        print("Ask about the letter; an empty line starts a new conversation, Ctrl-D quits.")
        if settings.uses_llm:
            print(engine.model_status.describe())
    stream = sys.stdin.buffer
    while True:
        if interactive:
            print("> ", end="", flush=True)
        raw = stream.readline()
        if not raw:
            return 0
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            history = []
            continue
        try:
            answer = engine.ask(decode_question(line), history)
        except Exception as err:  # a bad line, or a store that stopped answering: this line fails, the run goes on
            reason = str(err) if isinstance(err, BadQuestion | StoreError) else f"could not answer ({type(err).__name__})"
            if not isinstance(err, BadQuestion | StoreError):
                log.error("answering a line failed: %s", err)
            shown = line.decode("utf-8", errors="replace")
            if args.json:
                print(json.dumps({"question": shown, "error": reason}, ensure_ascii=False), flush=True)
            else:
                print(f"error: {reason}\n", flush=True)
            continue
        history.append(Turn(answer.question, answer))
        _print_answer(answer, args.json)
        sys.stdout.flush()


def cmd_index(args, settings: Settings) -> int:
    from rag.index import LetterIndex

    report = LetterIndex(settings).ensure(progress=_progress_bar(), force=args.force)
    print(report.summary())
    where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else settings.chroma_dir
    print(f"store: {where}")
    return 0


def cmd_outline(args, settings: Settings) -> int:
    from rag.structure import load_corpus

    for letter in load_corpus(settings.corpus_dir):
        m = letter.meta
        print(f"{letter.doc}: {m.doc_number} {m.title}")
        print(f"  addressee {m.addressee} · signed {m.signer} {m.signed or m.signed_raw} · published {m.published}")
        for s in letter.sections:
            indent = "  " * (s.depth + 1)
            print(f"{indent}§{s.id}  {s.label}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from rag.evaluation import load_questions, run_eval, scoreboard

    questions = load_questions(args.file) if args.file else None
    # an outside batch is a measurement, not the regression set: it leaves the owner's last report alone
    report = run_eval(_engine(settings), questions, write=args.file is None)
    print(scoreboard(report))
    for f in report["failures"]:
        print(f"FAIL [{f['outcome']}] {f['id']}: {f['question']} — {'; '.join(f['problems'])}")
        if args.verbose:
            print("    " + f["answer"].replace("\n", "\n    "))
    return 0 if not report["failures"] else 1


def cmd_bench(args, settings: Settings) -> int:
    from rag.bench import run_bench

    run_bench(settings, repeats=args.repeats)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rag", description="Ask questions of the letters in the corpus.")
    sub = p.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer object as JSON")
    chat = sub.add_parser("chat", help="a conversation on stdin; an empty line starts a new one")
    chat.add_argument("--json", action="store_true", help="one JSON object a line")
    index = sub.add_parser("index", help="build or refresh the Chroma index")
    index.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    sub.add_parser("outline", help="print each letter's section tree")
    ev = sub.add_parser("eval", help="run the regression set (or another question file) and print the scoreboard")
    ev.add_argument("--file", type=Path, help="a question file in the regression format (default: the regression set)")
    ev.add_argument("-v", "--verbose", action="store_true", help="print each failing answer")
    bench = sub.add_parser("bench", help="print speed, memory and accuracy figures beside a baseline")
    bench.add_argument("--repeats", type=int, default=5)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("RAG_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    handler = {"ask": cmd_ask, "chat": cmd_chat, "index": cmd_index, "outline": cmd_outline,
               "eval": cmd_eval, "bench": cmd_bench}[args.command]
    try:
        return handler(args, settings)
    except (BadQuestion, StoreError, CorpusError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # the reader went away (`rag ask … | head`): nothing more to say, and no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
