"""Benchmark: speed, memory and accuracy of this pipeline beside a typical LangChain baseline,
measured in one run on this machine. Prints figures; asserts nothing (targets are in the README)."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rag.evaluation import ask_in_conversation, check, load_questions
from rag.settings import REPO_ROOT, Settings
from rag.text import is_english

COLD_QUESTION = "2017年新批准组建了多少个重点实验室？"


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _baseline(settings: Settings, questions: list[dict]) -> dict:
    """RecursiveCharacterTextSplitter(500, 50) + the same embeddings + Chroma top-k: top chunk as the answer."""
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.embeddings import E5EmbeddingFunction, E5Embeddings
    from rag.index import make_client
    from rag.structure import load_corpus

    letters = load_corpus(settings.corpus_dir)
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
    docs = splitter.create_documents([letter.source for letter in letters], metadatas=[{"doc": letter.doc} for letter in letters])
    client = make_client(settings)
    client.get_or_create_collection("baseline_chunks", embedding_function=E5EmbeddingFunction())
    store = Chroma(collection_name="baseline_chunks", client=client, embedding_function=E5Embeddings())
    started = time.perf_counter()
    store.add_documents(docs)
    build = time.perf_counter() - started
    by_doc = {letter.doc: letter for letter in letters}
    passed = hits = ranked = 0
    latencies = []
    for case in questions:
        t = time.perf_counter()
        top = store.similarity_search(case["question"], k=4)
        latencies.append(time.perf_counter() - t)
        first = top[0]
        ok = case["found"] and all(n in first.page_content for n in case.get("contains") or [])
        passed += ok
        if case["found"] and case.get("sections"):
            ranked += 1
            letter = by_doc[first.metadata["doc"]]
            start = first.metadata["start_index"]
            span = (start, start + len(first.page_content))
            spans = [sp for sid in case["sections"] for sp in letter.section(str(sid)).spans]
            hits += any(a < span[1] and span[0] < b for a, b in spans)
    return {"chunks": len(docs), "build_s": build, "passed": passed, "total": len(questions),
            "hit1": hits / max(ranked, 1), "p50_ms": 1000 * statistics.median(latencies)}


def _load(engine, questions: list[str], env: dict) -> list[tuple[str, float, float, float]]:
    """Throughput and latency with 1, 2 and 8 threads asking one engine, and with two processes at once."""
    from concurrent.futures import ThreadPoolExecutor

    rows = []
    for n in (1, 2, 8):
        latencies: list[float] = []

        def asker(_, latencies=latencies):
            for q in questions:
                t = time.perf_counter()
                engine.ask(q)
                latencies.append(1000 * (time.perf_counter() - t))

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n) as pool:
            list(pool.map(asker, range(n)))
        wall = time.perf_counter() - started
        rows.append((f"{n} thread{'s' if n > 1 else ''}, one engine", n * len(questions) / wall,
                     statistics.median(latencies), _percentile(latencies, 0.95)))
    # Two processes at once, each answering the questions over `rag chat --json` (load time excluded).
    text = "\n".join(questions) + "\n"
    script = ("import sys,time,json;from rag.engine import load_engine;from rag.settings import Settings;"
              "e=load_engine(Settings.from_env());qs=sys.stdin.read().splitlines();ts=[]\n"
              "for q in qs:\n t=time.perf_counter();e.ask(q);ts.append(1000*(time.perf_counter()-t))\n"
              "print(json.dumps(ts))")
    procs = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env=env, cwd=REPO_ROOT, text=True) for _ in range(2)]
    outs = [p.communicate(text)[0] for p in procs]
    latencies = [x for out in outs for x in json.loads(out.strip().splitlines()[-1])]
    total_s = sum(latencies) / 1000 / 2  # per process, answering only
    rows.append(("2 processes at once", len(latencies) / max(total_s, 1e-9), statistics.median(latencies),
                 _percentile(latencies, 0.95)))
    return rows


def run_bench(settings: Settings, repeats: int = 5) -> dict:
    questions = load_questions()
    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    bench_settings = replace(settings, data_dir=tmp, chroma_host=None)

    from rag.engine import load_engine
    from rag.index import LetterIndex

    started = time.perf_counter()
    LetterIndex(bench_settings).ensure()
    build_s = time.perf_counter() - started

    env = dict(os.environ, RAG_DATA_DIR=str(tmp), PYTHONPATH=str(REPO_ROOT))
    env.pop("RAG_CHROMA_HOST", None)
    cold = []
    for _ in range(3):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "rag", "ask", COLD_QUESTION, "--json"], env=env,
                             capture_output=True, text=True, cwd=REPO_ROOT, check=True)
        cold.append(time.perf_counter() - t)
    cold_answer = json.loads(out.stdout)
    child_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    engine = load_engine(bench_settings)
    passed, hits, ranked = 0, 0, 0
    for case in questions:
        answer = ask_in_conversation(engine, case)
        passed += check(case, answer).ok
        if case["found"] and case.get("sections") and not case.get("history"):
            ranked += 1
            hits += engine.retriever.rank(case["question"]).section_ids()[0] in [str(s) for s in case["sections"]]
    singles = [c for c in questions if not c.get("history")]
    zh = [c["question"] for c in singles if not is_english(c["question"])]
    en = [c["question"] for c in singles if is_english(c["question"])]
    timings: dict[str, list[float]] = {"zh": [], "en": []}
    for _ in range(repeats):
        for lang, qs in (("zh", zh), ("en", en)):
            for q in qs:
                t = time.perf_counter()
                engine.ask(q)
                timings[lang].append(1000 * (time.perf_counter() - t))
    self_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = _baseline(replace(bench_settings, data_dir=tmp / "baseline"), questions)

    rows = [
        ("index build (s)", f"{build_s:.2f}", f"{base['build_s']:.2f}", "≤ 10"),
        ("cold `rag ask`, index built (s, best of 3)", f"{min(cold):.2f}", "", "≤ 3"),
        ("warm answer p50 zh (ms)", f"{statistics.median(timings['zh']):.1f}", f"{base['p50_ms']:.1f}", "≤ 30"),
        ("warm answer p95 zh (ms)", f"{_percentile(timings['zh'], 0.95):.1f}", "", ""),
        ("warm answer p50 en (ms)", f"{statistics.median(timings['en']):.1f}", "", "≤ 60"),
        ("warm answer p95 en (ms)", f"{_percentile(timings['en'], 0.95):.1f}", "", ""),
        ("peak RSS `rag ask` (MB)", f"{child_rss_mb:.0f}", "", "≤ 400"),
        ("peak RSS bench process (MB)", f"{self_rss_mb:.0f}", "", ""),
        ("regression passed", f"{passed}/{len(questions)}", f"{base['passed']}/{base['total']}", "all"),
        ("retrieval hit@1", f"{hits / max(ranked, 1):.1%}", f"{base['hit1']:.1%}", ""),
        ("chunks indexed", f"{sum(len(letter.sections) for letter in engine.letters)} sections", f"{base['chunks']} chunks", ""),
    ]
    print(f"{'figure':<44}{'this pipeline':>16}{'baseline':>14}{'target':>9}")
    for name, ours, theirs, target in rows:
        print(f"{name:<44}{ours:>16}{theirs:>14}{target:>9}")
    print(f"\nLoad ({len(zh[:60])} Chinese questions per asker, {bench_settings.threads} embedding threads):")
    print(f"{'askers':<28}{'questions/s':>12}{'p50 ms':>9}{'p95 ms':>9}")
    for name, rate, p50, p95 in _load(engine, zh[:60], env):
        print(f"{name:<28}{rate:>12.1f}{p50:>9.1f}{p95:>9.1f}")
    print(f"\ncold answer: {cold_answer['answer'].splitlines()[0]}")
    print("baseline: RecursiveCharacterTextSplitter(500, 50) + the same embeddings + Chroma top-4, top chunk as answer")
    return {"rows": rows}
