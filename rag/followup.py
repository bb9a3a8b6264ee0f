"""Follow-up questions: '那重点实验室呢？' is read against the previous question of the conversation."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag import overview
from rag.figures import FIGURE
from rag.questions import ANSWER_TYPE_WORDS, QUESTION_WORD, counted_phrase, letter_phrases, segmenter
from rag.types import Turn

_LEAD = re.compile(r"^(?:(?:那么|那|还有|另外|再问一下)[，,\s]*|(?:and|what about|how about|what of)(?:[，,\s]+|$))+", re.I)
# The thing an English question counts: "How many [strategic S&T talents] will…", "the target for [X] in 2018"
_EN_SUBJECT = re.compile(r"\b(?:how many|how much|number of|amount of|(?:target|goal|figure|plan) (?:for|of))\s+(.+?)"
                         r"(?=\s+(?:will|would|is|are|was|were|did|does|do|has|have|had|can|should|in|by|for|to|during|that|\?)\b|[?.]|$)",
                         re.I)
_TAIL = re.compile(r"[呢吗啊呀]?[？?。.!！\s]*$")
TIME_WORD = re.compile(r"(?:19|20)\d{2}年?|今年|去年|明年|前年|全年|“?十[一二三四五]五”?(?:期间|时期)?")


def is_followup(question: str, letter_text: str = "") -> bool:
    """Marked as one (那…呢), or too short to stand alone: a bare verb phrase with no year and
    no name longer than two characters (转化了多少项成果 after a question about a fund)."""
    q = question.strip()
    if re.match(r"(?:and )?(?:what|how) about\b", q, re.I) and len(q.split()) <= 8:
        return True  # "And what about young talent reserves?"
    if len(q) > 24:
        return False
    if _claimed_figure(_TAIL.sub("", q)):
        return True  # "是500家以上吗？": a figure put forward, of the thing asked before
    if _LEAD.match(q) or re.search(r"呢[？?]?$", q) or _ABOUT_LAST.match(q):
        return True
    if (m := _DEMONSTRATIVE.search(q)) and "信" not in m["head"][:2] and not overview.cues()["part"].search(q):
        return True  # "通过这个活动…", "这两个目标是在信的哪一部分…": points back at something named before
    if overview.cues()["letter"].search(q) or overview.cues()["part"].search(q):
        return False  # "这封信主要讲了什么", "第四部分讲了哪些措施" name what they ask about
    bare = _TAIL.sub("", q)
    if FIGURE.search(bare) and _ASKS.search(bare):
        return False  # "哪些指标是120家": the figure it quotes is what it asks about
    if letter_text and any(len(p) >= 4 for p in letter_phrases(bare, letter_text)):
        return False  # it names a thing of the letter in the letter's words (众创空间要备案多少家)
    if letter_text and overview.cues()["summary"].search(bare) and _names_topic(bare, letter_text):
        return False  # "人才方面有哪些安排": an overview of a topic it names itself
    return len(bare) <= 10 and not TIME_WORD.search(bare) and not re.search(r"[A-Za-z]", bare) and not _named(bare)


# a figure a person puts forward to be checked, with nothing else named: 是30个吗 / 我记得是80家，对吗
_CLAIM = re.compile(r"^(?:我)?(?:印象里|印象中|记得|听说|看到)?(?:好像|应该)?(?:是|有)?(?P<fig>\d+(?:\.\d+)?\s*(?:个|家|项|名|次|条|所|亿元|万元|元|%)(?:以上)?)"
                    r"[，,\s]*(?:对吗|对不对|没错吧|是吗|是不是|吧|吗|对吧|对|没错|是)?$")


def _names_topic(text: str, letter_text: str) -> bool:
    """Names a topic of the letter: a noun the letter writes that is not a word of the overview's
    frame (措施, 安排, 方面)."""
    return any(w in letter_text and not overview.cues()["frame"].search(w) for w in _nouns(text))


def _claimed_figure(fragment: str) -> str:
    m = _CLAIM.match(fragment.strip())
    return m["fig"].replace(" ", "") if m else ""


def _nouns(text: str) -> list[str]:
    """The nouns of two or more characters that are not a kind of answer."""
    return [w.word for w in segmenter().cut(text)
            if len(w.word) >= 2 and (w.flag[:1] in {"n", "j"} or w.flag == "vn") and w.word not in ANSWER_TYPE_WORDS]


def _has_noun(text: str) -> bool:
    """Names a thing of its own."""
    return bool(_nouns(text))


def _topic_of(question: str) -> str:
    """What the question is about, as the noun phrase of its last clause before the asking word:
    科技军民融合创新计划 in "科技军民融合创新计划每年安排多少专项资金"."""
    before = re.split(r"多少|几|哪|什么|谁", question, maxsplit=1)[0]
    before = re.split(r"[，,；;。？?]", before)[-1]
    words = [(w.word, w.flag) for w in segmenter().cut(before)]
    while words and (words[-1][1][:1] in {"v", "d", "u", "p", "c", "r", "y", "q", "m", "f", "t"} or words[-1][0] in "是从在于由的被要将有")\
            and words[-1][1] != "vn":
        words.pop()
    nouns = [w for w, f in words if len(w) >= 2 and (f[:1] in {"n", "j"} or f in {"vn", "nz", "l"})]
    return "".join(w for w, _ in words) if nouns else ""


def _named(text: str) -> bool:
    """Names something of its own: a noun of three or more characters (重点实验室, 星创天地)."""
    return any(len(w.word) >= 3 and w.flag[:1] in {"n", "j", "l"} for w in segmenter().cut(text))


def resolve_followup(question: str, history: Sequence[Turn], force: bool = False, letter_text: str = "") -> str:
    """The question spelled out in full, using the previous turn; unchanged when it stands alone.

    `force` reads it as a follow-up whatever its form (the second half of a two-part question)."""
    if not history or not (force or is_followup(question, letter_text)):
        return question
    base = history[-1].answer.resolved_question or history[-1].question
    fragment = _TAIL.sub("", _LEAD.sub("", question.strip()))
    if not fragment:
        return base
    if re.search(r"[A-Za-z]", fragment) and not re.search(r"[\u4e00-\u9fff]", fragment):
        if not QUESTION_WORD.search(fragment) and (m := _EN_SUBJECT.search(base)):
            return base[: m.start(1)] + fragment + base[m.end(1):]  # "what about young talent reserves?"
        ask = re.match(r"(how many|how much)\s+(?=(?:will|would|were|was|are|is|did|does|do|have|has|had)\b)", fragment, re.I)
        if ask and (m := _EN_SUBJECT.search(base)):
            # "…in 2018, and how many were built in 2017?": the later half counts the same thing
            return fragment[: ask.end()] + m[1] + " " + fragment[ask.end():]
    if claimed := _claimed_figure(fragment):
        # "是30个吗？", "我印象里是80家，对吗？": the previous question, checked with that figure
        asked = re.sub(r"(?:有|是)?(?:多少|几)[个家项名次条所亿万元%]*", claimed, _TAIL.sub("", base), count=1)
        if asked != _TAIL.sub("", base):
            return asked + "，对吗？"
    if m := _DEMONSTRATIVE.search(question):
        for n in range(len(m["head"]), 1, -1):  # the longest head noun the previous question ends a name with
            if named := _antecedent(m["head"][:n], base, letter_text):
                # 这个活动 → “科技金融走进高新区活动”
                return question[: m.start()] + named + question[m.start("head") + n :]
    subject = counted_phrase(base)
    # "这个是计划还是已经完成的？": a question about the previous answer itself is the previous question
    if _ABOUT_LAST.match(fragment) and not _has_noun(_TENSE_WORDS.sub("", _ABOUT_LAST.sub("", fragment))):
        return base
    if TIME_WORD.fullmatch(fragment.removesuffix("的")):  # 去年呢？ 去年的呢？
        return _with_time(base, fragment.removesuffix("的"))
    if not QUESTION_WORD.search(fragment):
        # A bare noun phrase: ask the previous question about it instead.
        # the head of the thing asked about gives way; what narrows it (验收挂牌的) stays
        head = subject.rpartition("的")[2] if len(subject.rpartition("的")[2]) >= 2 else subject
        if fragment.endswith("的") and head and head in base:
            # "国家级的呢？": a new qualifier of the same thing, in place of the old one (省级 → 国家级)
            modifier = fragment[:-1]
            old = next((m.group(0) for m in _LEVEL.finditer(head)), "")
            return base.replace(head, head.replace(old, modifier, 1) if old else modifier + head, 1)
        if head and head in base:
            # another thing: its counting word is its own (名 of 人才 is not 个 of 人才团队)
            return re.sub(r"(多少)[个家项名次条所]", r"\1", base.replace(head, fragment, 1), count=1)
        return fragment + "，" + base
    # "国家级的现在有几个？": a new qualifier of the same thing, asked anew (省级工程技术研究中心 → 国家级…)
    own = counted_phrase(fragment)
    head = subject.rpartition("的")[2] or subject
    level = _LEVEL.search(fragment)
    if level and head and not _has_noun(fragment.replace(level[0], "")) and head not in fragment:
        old = next((m.group(0) for m in _LEVEL.finditer(head)), "")
        thing = head.replace(old, level[0], 1) if old else level[0] + head
        return re.sub(re.escape(level[0]) + "的?", thing, fragment, count=1)
    # A question of its own that leans on the previous one for its subject and time.
    if not own and subject:
        fragment = fragment + subject
    elif force and (topic := _topic_of(base)) and topic not in fragment:
        # the later half of "X每年安排多少资金、支持多少个项目" is about X too
        fragment = topic + fragment
    elif not force and not _LEAD.match(question.strip()) and not re.search(r"呢[？?]?$", question.strip()):
        # Unmarked and short: keep the previous question's topic (what it asked about, before 多少).
        topic = re.split(r"多少|几", base, maxsplit=1)[0].strip("，, ")
        if subject and subject not in fragment and subject not in topic:
            topic += subject
        return f"{fragment}（{topic}）" if topic else fragment
    if not TIME_WORD.search(fragment):
        times = TIME_WORD.findall(base)
        if times:
            fragment = times[0] + fragment
    return fragment


# "这个活动", "该基金", "上述平台": a thing named earlier in the conversation, by its head noun
_DEMONSTRATIVE = re.compile(r"(?:(?:这|那)(?:[两几三四五]个|个|项|些|次|一)|该|此项|上述)(?P<head>[\u4e00-\u9fff]{2,6})")


def _antecedent(head: str, base: str, letter_text: str) -> str:
    """What the previous question named with that head noun, in the letter's words: the longest
    quoted name or verbatim run of the letter that ends in it."""
    named = [m[0] for m in re.finditer(r"“[^”]{2,30}”|《[^》]{2,60}》", base) if m[0][1:-1].endswith(head)]
    named += [p for p in letter_phrases(base, letter_text, min_chars=3) if p.endswith(head)] if letter_text else []
    return max(named, key=len, default="")


_ABOUT_LAST = re.compile(r"^(?:这个数字|这个数|这个|这|那个|它)(?:是|属于|算)|^(?:is|was) (?:this|that|it)\b", re.I)
_TENSE_WORDS = re.compile(r"计划|目标|打算|任务|结果|实绩|成绩|完成|实现|已经|还是|的")
_LEVEL = re.compile(r"国家级|省级以上|省级|市级|县级|国家|省")
_MODAL = re.compile(r"计划|打算|准备|将要|要|将")


def _with_time(base: str, time: str) -> str:
    """去年呢？ after a question about this year's plan: the same question, asked of last year."""
    asked = TIME_WORD.sub("", base, count=1) if TIME_WORD.search(base) else base
    if time in ("去年", "前年") or re.match(r"(?:19|20)\d{2}", time):
        asked = _MODAL.sub("", asked)  # a past year has no plans left, only results
    return time + asked


_EN_SAME_THING = re.compile(r"(?:and\s+)?(?:how many|how much)\s+(?:will|would|were|was|are|is|did|does|do|have|has|had)\b", re.I)
_INSTRUCTION = re.compile(r"(?:请|并)?(?:分别)?(?:说明|注明|标明|列出|解释)")
_ASKS = re.compile(r"多少|(?<![那这近前好])几(?![年天月乎])|哪|什么|谁|\bhow (?:many|much)\b|\bwhich\b|\bwho\b", re.I)


# "…分成哪几类，每类各多少个": a clause that asks the same of each item the one before names has no
# subject of its own, so it stays with that clause
_DISTRIBUTIVE = re.compile(r"\s*(?:每一?[\u4e00-\u9fff]?|各自|各|分别)(?:[\u4e00-\u9fff]{0,2})(?:多少|几|是)")


def split_compound(question: str) -> list[str]:
    """"A是多少？B又是多少？" → ["A是多少", "B又是多少"]: one question per asking clause.

    Clauses that ask nothing before the first asking one are a topic shared by all
    ("重点实验室这块，"); those after it are instructions and are dropped. One part when the
    question asks one thing."""
    pieces = [p for p in re.split(r"[？?；;。！!]", question) if p.strip()]
    clauses: list[str] = []
    for piece in pieces:
        if clauses and _DISTRIBUTIVE.match(piece) and not _has_noun(piece):
            clauses[-1] += "，" + piece.strip()  # "…几项是增长15%的？分别是什么？" asks of the same items
            continue
        parts = re.split(r"([，,、])", piece)  # separators kept, to put back what is not split
        current = parts[0]
        for sep, part in zip(parts[1::2], parts[2::2]):
            if _ASKS.search(current) and _ASKS.search(part) and not (sep == "、" and _INSTRUCTION.match(current.strip())) \
                    and not _DISTRIBUTIVE.match(part):
                clauses.append(current)
                current = part
            else:
                current += sep + part
        clauses.append(current)
    asking = [i for i, c in enumerate(clauses) if _ASKS.search(c) and not _INSTRUCTION.match(c.strip())]
    if len(asking) < 2:
        return [question]
    if re.search(r"[A-Za-z]{3}", question) and not all(_EN_SAME_THING.match(clauses[i].strip()) for i in asking[1:]):
        # English halves are split only when a later one counts the same thing ("…, and how many were
        # built in 2017"); "in how many industries" is answered with the first half, from one sentence
        return [question]
    topic = "，".join(clauses[: asking[0]])
    first = clauses[asking[0]]
    # a leading topic phrase inside the first asking clause ("重点实验室这块，2017年…") is shared too
    if "，" in first and not _ASKS.search(first.split("，")[0]):
        topic = "，".join(filter(None, [topic, first.split("，")[0]]))
    return [c if not topic or c.startswith(topic) else f"{topic}，{c}" for c in (clauses[i].strip() for i in asking)]


_EACH = re.compile(r"分别[\u4e00-\u9fff]{0,4}?(?:多少|几)")


def split_each(question: str) -> list[str]:
    """"培养农民技术员和建设省级星创天地的目标分别是多少" → one question per thing, each standing
    alone: the things joined by 和/与/及/、 before 分别, each with what is asked of them."""
    m = _EACH.search(question)
    if not m:
        return [question]
    head = question[: m.start()]
    lead = max(head.rfind(c) for c in "，,；;：:") + 1  # "科技精准扶贫方面，" is shared
    subject = head[lead:]
    attribute = ""
    if "的" in subject:
        subject, _, attribute = subject.rpartition("的")
        attribute = "的" + attribute
    things = [t for t in re.split(r"和|与|及|、|以及", subject) if t.strip()]
    if len(things) < 2 or any(len(re.findall(r"[\u4e00-\u9fff]", t)) < 2 for t in things):
        return [question]
    asked = question[m.start() + 2 :]  # 是多少？
    if when := re.match(r"(?:19|20)\d{2}年度?", things[0].strip()):
        things = [things[0]] + [t if t.strip().startswith(when[0]) else when[0] + t.strip() for t in things[1:]]
    return [f"{head[:lead]}{t.strip()}{attribute}{asked}" for t in things]


_ORDINALS_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_ITEM_ZH = re.compile(r"第\s*([一二三四五六七八九十\d]{1,2})\s*(?:条|项|点|个|方面|部分)|([一二三四五六七八九十])是")
_ITEM_EN = re.compile(r"\b(" + "|".join(_ORDINALS_EN) + r"|\d{1,2}(?:st|nd|rd|th))\s+(?:item|point|one|measure|task)\b"
                      r"|\b(?:item|point) (\d{1,2})\b", re.I)
_ZH_DIGITS = "一二三四五六七八九十"


def item_ordinal(question: str) -> int | None:
    """The n of "它的第二条", "二是什么", "its fifth item", "item 3"; None when the question names no item."""
    if m := _ITEM_ZH.search(question):
        n = m[1] or m[2]
        return int(n) if n.isdigit() else _ZH_DIGITS.index(n) + 1 if len(n) == 1 else None
    if m := _ITEM_EN.search(question):
        word = (m[1] or m[2]).lower()
        return _ORDINALS_EN.index(word) + 1 if word in _ORDINALS_EN else int(re.match(r"\d+", word)[0])
    return None


def item_of_previous_part(question: str, history: Sequence[Turn]) -> str | None:
    """"它的第二条说了什么" after an answer about part 4: the section id 4.2. Only for a question that
    names an item and no part of its own, when the previous answer was about one numbered part."""
    if not history or re.search(r"部分|前言|\bpart\b", question, re.I):
        return None
    n = item_ordinal(question)
    cited = [c.section for c in history[-1].answer.citations]
    parts = {s.split(".")[0] for s in cited}
    if n is None or len(parts) != 1 or (part := parts.pop()) == "0":
        return None
    return f"{part}.{n}"


def with_item_named(question: str, section_id: str, english: bool) -> str:
    """The question with its item spelled out as the letter numbers it: 它的第二条说了什么 → 第4部分第2条说了什么."""
    if english:
        return f"What does section {section_id} say?"
    part, n = section_id.split(".")
    text = re.sub(r"^(?:那么?|还有)?[，,]?(?:它|其|这部分|该部分|这一部分|里面)?的?", "", question.strip())
    return _ITEM_ZH.sub(f"第{part}部分第{n}条", text, count=1)
