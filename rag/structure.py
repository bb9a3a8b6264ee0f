"""Letter text → metadata + numbered Sections, by the numbering rules of Chinese official documents.

Recognised numbering, outermost first:
  parts      一、 / 1. / 1、           → k
  subparts   （一） / (一)             → k.n
  items      一是 … 二是 …              → k.n (or k.n.m under a subpart)
  ordinals   首先, 其次, 第三, … 最后,  → children of the open container (0.n before any part)
Paragraphs outside any part (salutation, background, transition, signature) form section 0.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rag.types import Letter, LetterMeta, Section

PARSER_VERSION = "3"

CN_DIGITS = "一二三四五六七八九十"
_CN_VALUE = {c: i + 1 for i, c in enumerate(CN_DIGITS)}

# Web-page residue: never part of the letter, never quoted.
_RESIDUE = re.compile(r"^(当前位置|您的位置|首页\s*[>＞])|点击[:：]|浏览次数|打印本页|关闭窗口|【字体|^来源[:：]")
_PUBLISHED = re.compile(r"(?:时间|发布日期|发布时间)[:：]\s*(\d{4})-(\d{1,2})-(\d{1,2})")
# 文号: issuer, year in 〔〕, serial; sources sometimes drop the closing bracket (辽委办发〔20175号)
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4,5}〕?\d*号")
_TITLE = re.compile(r"关于.+?(?:答复|复函|意见|通知|报告|函)")
_SUGGESTION_NO = re.compile(r"第\s*(\d+)\s*号(?:建议|提案|议案)")
_SESSION = re.compile(r"(?:关于)?((?:省|市|全国)?(?:人大|政协)[\u4e00-\u9fff]*?会议)")
_SUGGESTION_TITLE = re.compile(r"《([^》]+)》[^。]*收悉")
_ADDRESSEE = re.compile(r"^(.{1,20}?)(代表|委员|同志|先生|女士)?[:：]$")
_PART = re.compile(r"^(?:([一二三四五六七八九十]+)、|(\d{1,2})[.．、](?!\d))")
_SUBPART = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]")
_ORDINAL = ["首先", "其次"] + [f"第{c}" for c in "三四五六七八九十"]
_SIGNER_HINT = re.compile(r"(厅|局|委员会|委|政府|办公室|办公厅|院|部|中心|协会|公司)$")
_DATE_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2,4})$")


def cn_numeral(text: str) -> int:
    """一..九十九 → int (enough for section numbering)."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_VALUE[text[1]]
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _CN_VALUE[tens] * 10 + (_CN_VALUE[ones] if ones else 0)
    return _CN_VALUE[text]


def _item_marker(n: int) -> str:
    return ("十" if n == 10 else CN_DIGITS[n - 1]) + "是"


def parse_signature_date(raw: str) -> date | None:
    """'2018年6月7日', '2018-06-07', or the digits-only '201867' the web page left."""
    raw = raw.strip()
    if m := _DATE_CN.match(raw) or re.match(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$", raw):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if m := _DATE_DIGITS.match(raw):
        year, rest = int(m[1]), m[2]
        # Month and day lost their padding: try every split, keep the only valid one.
        found = []
        for cut in range(1, len(rest)):
            mo, dd = rest[:cut], rest[cut:]
            if len(mo) > 2 or len(dd) > 2:
                continue
            try:
                found.append(date(year, int(mo), int(dd)))
            except ValueError:
                pass
        return found[0] if len(found) == 1 else None
    return None


@dataclass
class _Line:
    text: str
    start: int
    end: int


@dataclass
class _Node:
    id: str
    label: str
    title: str
    pieces: list[tuple[int, int]] = field(default_factory=list)
    parent: str | None = None
    children: int = 0


def _lines(source: str) -> list[_Line]:
    out, pos = [], 0
    for raw in source.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()  # also strips U+00A0 and U+3000 indentation
        if stripped:
            lead = len(body) - len(body.lstrip())
            out.append(_Line(stripped, pos + lead, pos + lead + len(stripped)))
        pos += len(raw)
    return out


def _first_clause(text: str, limit: int = 30) -> str:
    sentence = re.split(r"[。；;！？!?]", text, maxsplit=1)[0]
    if len(sentence) > limit:
        sentence = re.split(r"[，,：:]", sentence, maxsplit=1)[0]
    return sentence.strip()


def _find_markers(text: str, markers: list[str], follow: str = "") -> list[tuple[int, str]]:
    """Positions of an ordered marker family (一是, 二是 …), each searched after the previous one.

    The first marker must open the text or follow punctuation; later ones may follow anything,
    because the source sometimes drops the full stop before them (增长15%二是…).
    """
    found: list[tuple[int, str]] = []
    pos = 0
    for i, marker in enumerate(markers):
        pattern = re.escape(marker) + follow
        candidates = [m for m in re.finditer(pattern, text[pos:])]
        if i == 0:
            candidates = [m for m in candidates if m.start() + pos == 0 or text[m.start() + pos - 1] in "。；;，,：:．.、"]
        if not candidates:
            break
        # Prefer a marker that follows punctuation; fall back to the first occurrence.
        punctuated = [m for m in candidates if text[m.start() + pos - 1 : m.start() + pos] in "。；;，,：:"]
        m = (punctuated or candidates)[0]
        found.append((m.start() + pos, marker))
        pos = m.start() + pos + len(marker)
    return found


class _Builder:
    def __init__(self, doc: str):
        self.doc = doc
        self.nodes: dict[str, _Node] = {"0": _Node("0", "开头与落款", "")}
        self.part: _Node | None = None
        self.subpart: _Node | None = None
        self.last_item: _Node | None = None

    def add(self, node: _Node) -> _Node:
        self.nodes[node.id] = node
        return node

    def container(self) -> _Node:
        return self.subpart or self.part or self.nodes["0"]

    def child_id(self, parent: _Node) -> str:
        parent.children += 1
        return f"{parent.id}.{parent.children}"

    def split_items(self, line: _Line, offset: int) -> bool:
        """Split the rest of a paragraph at 一是/二是… or 首先/其次…; False if it has none."""
        text = line.text[offset:]
        families = [
            (_find_markers(text, [_item_marker(n) for n in range(1, 11)]), None),
            (_find_markers(text, _ORDINAL, follow=r"[,，、]"), "ordinal"),
        ]
        markers, family = max(families, key=lambda f: len(f[0]))
        if not markers:
            return False
        parent = self.container()
        lead = text[: markers[0][0]].strip()
        if lead:
            start = line.start + offset + text.index(lead)
            (self.last_item or parent).pieces.append((start, start + len(lead)))
        bounds = [p for p, _ in markers] + [len(text)]
        for (pos, marker), end in zip(markers, bounds[1:]):
            body = text[pos:end].rstrip()
            node_id = self.child_id(parent)
            title = _first_clause(body[len(marker) :].lstrip(",，、 "))
            if parent.id == "0":
                label = f"前言·{marker}"
            else:
                label = f"{parent.label.split(' ')[0]}·{marker} {title}"
            start = line.start + offset + pos
            self.last_item = self.add(_Node(node_id, label, title, [(start, start + len(body))], parent.id))
        return True


def parse_letter(source: str, doc: str) -> Letter:
    lines = _lines(source)
    published = None
    kept: list[_Line] = []
    for line in lines:
        if m := _PUBLISHED.search(line.text):
            published = date(int(m[1]), int(m[2]), int(m[3]))
        if _RESIDUE.search(line.text) or _PUBLISHED.search(line.text):
            continue
        kept.append(line)

    # Signature block: short trailing lines with no sentence punctuation.
    signer = signed_raw = ""
    signed = None
    while kept and len(kept[-1].text) <= 40 and not re.search(r"[。；，,]", kept[-1].text):
        tail = kept[-1]
        if not signed_raw and (parse_signature_date(tail.text) or re.search(r"\d", tail.text)):
            signed_raw, signed = tail.text, parse_signature_date(tail.text)
        elif not signer and _SIGNER_HINT.search(tail.text):
            signer = tail.text
        else:
            break
        kept.pop()
    signature_lines = [line for line in lines if line.text in (signer, signed_raw) and line.text]

    b = _Builder(doc)
    root = b.nodes["0"]
    meta_fields: dict[str, str] = {}
    for line in kept:
        text = line.text
        if m := _PART.match(text):
            number = cn_numeral(m[1] or m[2])
            heading_end = text.find("。")
            heading_end = heading_end + 1 if 0 < heading_end <= 40 else len(_first_clause(text[m.end() :])) + m.end()
            heading = text[:heading_end]
            title = heading[m.end() :].rstrip("。 ")
            part = b.add(_Node(str(number), f"第{number}部分 {title}", title, [(line.start, line.start + len(heading))], "0"))
            b.part, b.subpart, b.last_item = part, None, None
            rest = text[heading_end:]
            if rest.strip() and not b.split_items(line, heading_end):
                part.pieces.append((line.start + heading_end, line.end))
            continue
        if b.part and (m := _SUBPART.match(text)):
            sub_id = b.child_id(b.part)
            title = _first_clause(text[m.end() :])
            b.subpart = b.add(_Node(sub_id, f"{b.part.label.split(' ')[0]}·（{m[1]}） {title}", title, [(line.start, line.end)], b.part.id))
            b.last_item = None
            continue
        if b.split_items(line, 0):
            continue
        if b.part is None:
            root.pieces.append((line.start, line.end))
            if not meta_fields.get("addressee") and (m := _ADDRESSEE.match(text)):
                meta_fields["addressee"] = m[1]
        else:
            (b.last_item or b.container()).pieces.append((line.start, line.end))
    root.pieces.extend((line.start, line.end) for line in signature_lines)

    header = "\n".join(source[s:e] for s, e in root.pieces)
    title_line = next((line.text for line in kept if DOC_NUMBER.search(line.text) or _TITLE.search(line.text)), "")
    doc_number = m[0] if (m := DOC_NUMBER.search(title_line)) else ""
    title = m[0] if (m := _TITLE.search(title_line)) else title_line
    root.title = title or doc
    meta = LetterMeta(
        doc=doc,
        title=title,
        doc_number=doc_number,
        addressee=meta_fields.get("addressee", ""),
        suggestion_title=m[1] if (m := _SUGGESTION_TITLE.search(header)) else "",
        suggestion_number=m[1] if (m := _SUGGESTION_NO.search(title_line or header)) else "",
        session=m[1] if (m := _SESSION.search(title_line)) else "",
        signer=signer,
        signed=signed,
        signed_raw=signed_raw,
        published=published,
    )
    sections = tuple(
        Section(
            doc=doc,
            id=n.id,
            label=n.label,
            title=n.title,
            text="\n".join(source[s:e] for s, e in sorted(n.pieces)),
            spans=tuple(sorted(n.pieces)),
            parent=n.parent if n.id != "0" else None,
        )
        for n in sorted(b.nodes.values(), key=_sort_key)
    )
    digest = hashlib.sha256((PARSER_VERSION + "\0" + source).encode("utf-8")).hexdigest()
    return Letter(meta=meta, sections=sections, source=source, content_hash=digest)


def _sort_key(node: _Node) -> tuple[int, ...]:
    return tuple(int(p) for p in node.id.split("."))


MAX_LETTER_BYTES = 2_000_000  # a reply letter is a few thousand characters; anything this large is not one


class CorpusError(ValueError):
    """No readable letter in the corpus folder; the message names the folder."""


def load_letter(path: Path) -> Letter:
    """One letter; ValueError (with a reason people can act on) when the file is not a readable letter."""
    raw = path.read_bytes()
    if len(raw) > MAX_LETTER_BYTES:
        raise ValueError(f"too large ({len(raw) // 1024} KB)")
    if b"\x00" in raw:
        raise ValueError("binary, not text")
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text (save it as UTF-8)") from None
    letter = parse_letter(source, path.stem)
    if not any(s.text.strip() for s in letter.sections):
        raise ValueError("empty")
    return letter


@dataclass
class Corpus:
    letters: list[Letter]
    skipped: list[tuple[str, str]]  # (file name, why): files in the folder that are not readable letters


def read_corpus(corpus_dir: Path) -> Corpus:
    """Every readable letter of the folder, in name order; the others are reported by name, never fatal."""
    letters, skipped = [], []
    for path in sorted(Path(corpus_dir).glob("*.txt")):
        try:
            letters.append(load_letter(path))
        except FileNotFoundError:
            skipped.append((path.name, "removed while being read"))
        except (OSError, ValueError) as err:
            skipped.append((path.name, str(err)))
    if not letters:
        why = "; ".join(f"{name}: {reason}" for name, reason in skipped)
        raise CorpusError(f"no readable letter (*.txt, UTF-8) in {corpus_dir}" + (f" ({why})" if why else "")
                          + " — set RAG_CORPUS_DIR to the folder of the letters")
    return Corpus(letters, skipped)


def load_corpus(corpus_dir: Path) -> list[Letter]:
    return read_corpus(corpus_dir).letters


_NAMED_SECTION = re.compile(
    r"(前言|开头|第\s*([一二三四五六七八九十\d]+)\s*(?:部分|大部分))?[的里中]?\s*"
    r"(?:第\s*([一二三四五六七八九十\d]+)\s*(?:那|这)?(?:点|条|项|段|方面)|([一二三四五六七八九十])是|(首先|其次))")


def section_named(question: str, letter: Letter) -> str | None:
    """The section a question points at by the letter's own numbering: 前言第四点 → 0.4,
    第5部分第二条 / 第五部分二是 → 5.2."""
    if m := re.search(r"(?:§|\b(?:section|item|part)\s*)(\d+\.\d+)(?![\d.])", question, re.I):
        # the citation's own form: §2.5, "section 2.5"
        return m[1] if any(s.id == m[1] for s in letter.sections) else None
    question = re.sub(r"[“”\"'‘’]", "", question)  # 前言“第四”那段
    found = [m for m in _NAMED_SECTION.finditer(question) if m[1] or m[4] or m[5]]
    ordinals = re.findall(r"首先|其次|最后|第\s*[一二三四五六七八九十\d]+\s*(?:点|条|项|段|方面)?(?!部分)", question)
    if len(found) != 1 or len(ordinals) > 1:
        return None  # none, or a range (从首先到第四): not one section
    m = found[0]
    part = "0" if m[1] in ("前言", "开头") or m[5] else (str(cn_numeral(m[2])) if m[2] else None)
    if part is None:
        return None
    n = {"首先": 1, "其次": 2}.get(m[5] or "") or cn_numeral(m[3] or m[4])
    sid = f"{part}.{n}"
    return sid if any(s.id == sid for s in letter.sections) else None


# Words that point at a place in the letter rather than say what is asked (前言第四点, 第5部分)
SECTION_REFERENCE = re.compile(r"§\s*\d+(?:\.\d+)*|前言|开头部分|第\s*[一二三四五六七八九十\d]+\s*(?:大)?(?:部分|点|条|项|段)")
