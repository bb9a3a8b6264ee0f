"""Comparisons and aggregates computed from the letter's figures: which of two is larger, which
figures share a value, how many figures of a kind there are. Every figure shown is cited."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rag.figures import FIGURE, UNITS, figures_of, status_words
from rag.followup import TIME_WORD, resolve_followup
from rag.questions import COMPARISON, UNIT_GROUPS, Question, counted_phrase, segmenter
from rag.types import Answer, Citation, Figure, Turn

if TYPE_CHECKING:
    from rag.answer import AnswerBuilder
    from rag.retrieve import Retrieval

_CONNECTOR = re.compile(r"和|与|跟|同|还是|相比|对比|比|\bvs\.?|\bversus\b|\band\b|\bor\b|\bthan\b|compared (?:with|to)", re.I)
# "哪些指标是120家", "哪两项都是增长15%": the figures that share a quoted value
# "几项是增长15%的": how many of them have it, which the listing of them answers too
_WHICH = re.compile(r"哪些|哪几|哪两|哪[一二三四五六七八九十]|什么指标|(?:几|多少)[项个条处][^，,？?]{0,6}?都?(?:是|为)"
                    r"|\bwhich\b|\bwhat\b|\bhow many (?:targets|figures|goals|items)\b", re.I)
# "500家以上是什么指标？", "8500次以上指的是什么？": what a quoted figure counts
_WHAT_COUNTS = re.compile(r"是(?:个)?什么(?:指标|数字?|目标)|指(?:的是)?什么|说的是什么|是哪(?:个|项|一项)(?:指标|目标|数字)|(?:什么|哪个)意思|"
                          r"\bwhat (?:does|is) .{0,20}(?:refer|mean|count|measure)|\bwhat is .{0,12}\bfor\b", re.I)
_SHARED = re.compile(r"同一个|同样的|相同|一样|\bsame\b|\bequal\b", re.I)
# "带“以上”的目标一共几项": figures counted by a qualifier
_QUALIFIER_ASK = re.compile(r"[“\"'‘](以上|达到|增长)[”\"'’](?:的)?(?:目标|指标|数字)?.{0,8}(?:几|多少|how many)|(?:几|多少)(?:项|个)[^，,？?]{0,8}[“\"'‘](以上|达到|增长)[”\"'’]")


@dataclass(frozen=True)
class Side:
    question: str
    figure: Figure


def compose(builder: AnswerBuilder, question: str, resolved: str, q: Question, retrieval: Retrieval) -> Answer | None:
    if q.figures and _WHAT_COUNTS.search(q.text):
        return _what_counts(builder, question, resolved, q)
    which = _WHICH.search(q.text)
    if which and not q.figures and _SHARED.search(q.text):
        return _shared_values(builder, question, resolved, q)
    if (which and q.figures and q.text.find(q.figures[0]) > which.start() and not COMPARISON.search(q.text)
            and q.kind != "verify"):
        return _same_value(builder, question, resolved, q)
    if m := _QUALIFIER_ASK.search(q.text):
        return _by_qualifier(builder, question, resolved, q, m[1] or m[2])
    if _RATIO.search(q.text):
        return _ratio(builder, question, resolved, q, retrieval)
    if _SUM.search(q.text):
        return _sum(builder, question, resolved, q, retrieval)
    if COMPARISON.search(q.text):
        return _pair(builder, question, resolved, q, retrieval)
    return None


# "资助的项目里，转化了成果的占多大比例": a part of a whole, as a share; 占多少个 asks the part's count
_RATIO = re.compile(r"(?:大概|大约|大致|约)?占(?:了)?(?:总数的?|全部的?|其中的?)?(?:(?:多大|多少(?![个家项名所次条人位件])|几成|百分之几)(?:的)?(?:比例|比重)?|(?:的)?(?:比例|比重))|(?:比例|比重|占比)(?:是|为|有)?(?:多少|多大|几)"
                    r"|\bwhat (?:share|percentage|proportion|fraction)\b|\bwhat percent\b", re.I)
_WHOLE = re.compile(r"^(.{2,40}?)(?:里面|里|之中|当中|中)[，,]?(?:有|其中)?(.+)$")


# "贷款目标和投资目标加起来一共多少", "三类平台加起来正好等于198个吗": figures added up
_SUM = re.compile(r"加起来|加在一起|相加|合计|之和|总和|(?:一共|总共|共计)(?=[^，,？?]{0,6}(?:多少|几))|\badd(?:ed)? up\b|\bcombined\b|\bin total\b|\btogether\b", re.I)
_SCALE = {"亿元": 1e8, "万元": 1e4, "元": 1.0}


def _base(f: Figure) -> float:
    """A figure's value in its unit's base (money in 元), so 亿元 and 万元 add and divide rightly."""
    return f.value * _SCALE.get(f.unit, 1.0)


def _sum(builder: AnswerBuilder, question, resolved, q: Question, retrieval: Retrieval) -> Answer | None:
    """Figures added up: the things the question joins (A和B), or the parts the letter lists under a
    quoted total (198个…，其中A 13个、B 167个、C 18个). Said to be computed; the figures are cited."""
    parts: list[Figure] = []
    total: Figure | None = None
    if q.figures and (m := FIGURE.fullmatch(q.figures[0])):
        # the parts listed after 其中 in the sentence of the quoted total
        totals = [f for letter in builder.letters.values() for f in figures_of(letter)
                  if f.value == float(m["num"]) and f.unit == m["unit"]]
        for f in totals:
            after = f.sentence[f.sentence.find(f.text) + len(f.text):]
            if "其中" in after:
                listed = [g for g in figures_of(builder.letters[f.doc]) if g.sentence == f.sentence
                          and g.start > f.start and g.unit == f.unit]
                if len(listed) >= 2:
                    total, parts = f, listed
                    break
    elif q.english:
        # "the combined target for loans and investment under the campaign": each thing, with what follows
        text = _SUM.sub(" ", q.text)
        m = re.search(r"\bhow (?:many|much)\s+(.+?)\s+and\s+(.+?)(?=\s+(?:were|are|was|is|will|did|does|do|have|has)\b)(.*)", text, re.I) \
            or re.search(r"\b(?:for|of)\s+(?:the\s+)?(.+?)\s+and\s+(?:the\s+)?(.+?)(?=\s+(?:under|in|at|by|from|during)\b|[?.!]|$)(.*)",
                         text, re.I)
        if not m:
            return None
        for thing in (m[1], m[2]):
            f = builder.figure_for(f"how many {thing}{m[3]}", q, retrieval)
            if f is None or f in parts:
                return None
            parts.append(f)
    else:
        core = _SUM.split(q.text)[0]
        pieces = [p.strip(" ，,的") for p in re.split(r"和|与|及|、|以及", core) if p.strip(" ，,的")]
        if len(pieces) < 2:
            return None
        first = pieces[0] + "有多少"
        for piece in pieces:
            sub = first if piece == pieces[0] else _second_question(first, piece, q.english)
            f = builder.figure_for(sub, q, retrieval)
            if f is None or f in parts:
                return None
            parts.append(f)
    return _sum_answer(builder, question, resolved, q, parts, total)


def _sum_answer(builder: AnswerBuilder, question, resolved, q: Question, parts: list[Figure],
                total: Figure | None = None) -> Answer | None:
    if len(parts) < 2:
        return None
    group = {next((g for g, members in UNIT_GROUPS.items() if f.unit in members), f.unit) for f in parts}
    if len(group) != 1 or parts[0].unit == "%":
        return None  # growth rates do not add up
    money = parts[0].unit in _SCALE
    value = sum(_base(f) for f in parts)
    shown = f"{_number(value / 1e8)}亿元" if money and value >= 1e8 else \
        (f"{_number(value / 1e4)}万元" if money else f"{_number(value)}{parts[0].unit}")
    at_least = any(f.qualifier in ("以上", "超过", "突破", "余") for f in parts)
    how = "+".join(f.text for f in parts)
    if total is not None:
        same = abs(value - _base(total)) < 1e-9
        head = ((f"**{'对' if same else '不对'}**：{how}，合计{shown}" + ("，正好等于" if same else "，不等于") + f"{total.text}（由信中数字算得）。")
                if not q.english else f"**{'Yes' if same else 'No'}** — {how} = {shown}" + (" = " if same else " ≠ ") + f"{total.text} (computed from the letter's figures).")
        figures = [total, *parts]
    else:
        head = (f"合计{'至少' if at_least else ''}**{shown}**（{how}，由信中数字算得）。" if not q.english
                else f"In total {'at least ' if at_least else ''}**{shown}** ({how}; computed from the letter's figures).")
        figures = parts
    return replace(_listing(builder, question, resolved, q, head, figures), kind="compare")


def _ratio(builder: AnswerBuilder, question, resolved, q: Question, retrieval: Retrieval) -> Answer | None:
    core = _RATIO.sub("", q.text)
    core = re.sub(r"(?:大概|大约|大致|约)?[？?。！!\s]*$", "", core).strip()
    m = _WHOLE.match(core)
    if not m or q.english:
        return None
    whole_q = m[1].strip(" ，,") + "有多少"
    said = m[2].strip(" ，,")
    whole = builder.figure_for(whole_q, q, retrieval)
    part = builder.figure_for(f"{m[1]}里，{said}有多少", q, retrieval)  # the part, in the whole's frame
    if part is None or part == whole:
        part = builder.figure_for(f"{said}有多少", q, retrieval)  # the whole's name outweighed the part's
    if part is not None and (own := _whole_of_breakdown(builder, part)):
        whole = own  # "198个…,其中…13个": the figure the 其中 breaks down is its whole
    if whole is None or part is None or whole == part or not whole.value:
        return None
    if not any(whole.unit in g and part.unit in g for g in UNIT_GROUPS.values()) or _base(part) > _base(whole):
        return None
    share = 100 * _base(part) / _base(whole)  # 2922万元 of 1.5亿元 is 19.5%, not 1948%
    head = f"约**{share:.1f}%**：{part.item}，占{whole.item}的{share:.1f}%（{_number(part.value)}÷{_number(whole.value)}，由信中数字算得）。"
    return replace(_listing(builder, question, resolved, q, head, [whole, part]), kind="compare")


def _whole_of_breakdown(builder: AnswerBuilder, part: Figure) -> Figure | None:
    """The figure right before the 其中 that opens the part's breakdown, in the same sentence."""
    at = part.sentence.find("其中")
    if at < 0 or at > part.sentence.find(part.item.replace("其中", "", 1)):
        return None
    before = [f for f in figures_of(builder.letters[part.doc]) if f.section == part.section and f.sentence == part.sentence
              and 0 <= part.sentence.find(f.item) < at and f.unit not in ("%",)]
    return before[-1] if before else None


def _quote_line(builder: AnswerBuilder, f: Figure) -> tuple[str, Citation]:
    section = builder.letters[f.doc].section(f.section)
    cite = Citation(f.doc, f.section, section.label, f.sentence)
    return f"> {f.sentence} {cite.marker()}", cite


def _listing(builder: AnswerBuilder, question, resolved, q: Question, head: str, figures: list[Figure]) -> Answer:
    lines, cites = [head, ""], []
    for f in figures:
        status = status_words(f, builder.letters[f.doc], q.english)
        lines.append(f"- **{f.text}**（{f.item}）" + (f"——{status}" if status else ""))
        quote, cite = _quote_line(builder, f)
        lines.append("  " + quote)
        cites.append(cite)
    return Answer(question, "\n".join(lines), True, tuple(dict.fromkeys(cites)), "compare", "unknown", resolved,
                  outcome="answered")


def _same_value(builder: AnswerBuilder, question, resolved, q: Question) -> Answer | None:
    wanted = [m for t in q.figures if (m := FIGURE.fullmatch(t))]
    if not wanted:
        return None
    same = [f for letter in builder.letters.values() for f in figures_of(letter)
            if any(f.value == float(m["num"]) and f.unit == m["unit"] and (not m["lead"] or m["lead"] in f.text)
                   for m in wanted)]
    if not same:
        return None
    said = "、".join(q.figures)
    head = (f"{len(same)} figures of the letter are {said}:" if q.english else f"信中数值为“{said}”的有{len(same)}项：")
    return _listing(builder, question, resolved, q, head, same)


def _what_counts(builder: AnswerBuilder, question, resolved, q: Question) -> Answer | None:
    """"500家以上是什么指标？": every figure of the letter with that value and unit, with what it counts."""
    wanted = [m for t in q.figures if (m := FIGURE.fullmatch(t))]
    found = [f for letter in builder.letters.values() for f in figures_of(letter)
             if any(f.value == float(m["num"]) and f.unit == m["unit"] for m in wanted)]
    if not found:
        return None
    said = "、".join(q.figures)
    head = (f"In the letter, {said} is:" if q.english else f"信中的“{said}”是：") if len(found) == 1 else \
        (f"{said} appears {len(found)} times in the letter:" if q.english else f"信中“{said}”出现{len(found)}处：")
    return replace(_listing(builder, question, resolved, q, head, found), kind="figure",
                   status=found[0].status if len(found) == 1 else "unknown")


def _shared_values(builder: AnswerBuilder, question, resolved, q: Question) -> Answer | None:
    """"哪两个指标的增长目标是同一个百分比": the figures of the asked kind that share a value."""
    groups: dict[tuple[float, str], list[Figure]] = {}
    for letter in builder.letters.values():
        for f in figures_of(letter):
            if q.unit_group and f.unit not in UNIT_GROUPS[q.unit_group]:
                continue
            if q.intent and f.status != q.intent:
                continue
            groups.setdefault((f.value, f.unit), []).append(f)
    shared = [fs for fs in groups.values() if len(fs) >= 2]
    if not shared:
        return None
    figures = [f for fs in shared for f in fs]
    values = "、".join(fs[0].text for fs in shared)
    head = (f"Figures of the letter that share a value: {values}." if q.english
            else f"信中数值相同的有{len(shared)}组：{values}。")
    return _listing(builder, question, resolved, q, head, figures)


def _by_qualifier(builder: AnswerBuilder, question, resolved, q: Question, qualifier: str) -> Answer | None:
    intent = q.intent or "target"
    found = [f for letter in builder.letters.values() for f in figures_of(letter)
             if qualifier in f.text and f.status == intent]
    if not found:
        return None
    kind = {"target": "目标", "result": "实绩"}[intent]
    head = (f"The letter states {len(found)} {'targets' if intent == 'target' else 'results'} with “{qualifier}”:" if q.english
            else f"信中带“{qualifier}”的{kind}共{len(found)}项：")
    return _listing(builder, question, resolved, q, head, found)


def _subjects(text: str) -> tuple[str, str] | None:
    """The two things compared: "2017年新批的工程技术研究中心和工程研究中心，哪个更多" → both halves;
    "A比B多还是少" → A, B."""
    if m := _MORE_X_OR_Y.search(text):
        # "Are there more A or B …?": the comparative word stands between the question and A
        left, right = m[1].strip(" ,"), re.sub(r"[?？.!]+$", "", m[2]).strip(" ,")
        return (left, right) if left and right else None
    core = _THAN.sub(lambda m: "比" + m[1], text)  # "比2017年新批的多还是少" → "比2017年新批的"
    core = COMPARISON.sub("", core)
    core = re.sub(r"[，,]?\s*(?:哪(?:个|类|一个|项)?|which(?: one)?|多几个|多少)?\s*[？?。！!]*$", "", core.strip(), flags=re.I)
    m = _CONNECTOR.search(core)
    if not m:
        return None
    left, right = core[: m.start()].strip(" ，,的:："), core[m.end():].strip(" ，,的:：")
    return (left, right) if left and right else None


_MORE_X_OR_Y = re.compile(r"^(?:are|were|is|was|did|does|do|has|have|had)\b.{0,20}?\b(?:more|fewer|less)\s+(.{3,80}?)\s+(?:or|than)\s+(.+)$",
                          re.I)
_THAN = re.compile(r"比(.{1,30}?)(?:更)?(?:多|少|高|低|大|小)(?:了)?(?:还是(?:多|少|高|低|大|小))?(?:吗|呢|多少|几个?)?")


def _how_many(side: str) -> str:
    """An English side as a question of its own: "the number of X" → "How many X?"."""
    return "How many " + re.sub(r"^(?:the\s+)?(?:number|amount|count)\s+of\s+|^the\s+", "", side, flags=re.I) + "?"


def _second_question(first: str, right: str, english: bool) -> str:
    """The other side as a question of its own, borrowing what the first side says and it does not:
    a bare thing takes the first side's frame (工程研究中心 → 2017年新批的工程研究中心有多少);
    a bare time or act takes its thing (2017年新批的 → 2017年新批的省级重点实验室有多少)."""
    # a thing is named by three or more characters of nouns (工程研究中心); 实际新批 names none
    nouns = [w.word for w in segmenter().cut(re.sub(r"(?:19|20)\d{2}年?", "", right))
             if w.flag[:1] in {"n", "j"} or w.flag == "vn"]
    if not english and TIME_WORD.search(right) and sum(map(len, nouns)) >= 3:
        return right + "有多少"  # "十二五期间资助的项目" has its own time: nothing is borrowed
    if english and len(re.findall(r"[A-Za-z]{3,}", right)) >= 3:
        # "the projects funded during the 12th Five-Year Plan" names its own thing and time
        return _how_many(right)
    if english or sum(map(len, nouns)) >= 3:
        base = Answer(first, "", True, resolved_question=first)
        return resolve_followup(right, [Turn(first, base)], force=True)
    thing = counted_phrase(first).rpartition("的")[2]
    return f"{right}的{thing}有多少"


# a number a side of a comparison gives, not a year or an ordinal (12th)
_SIDE_VALUE = re.compile(r"(?<![\d.])(?!(?:19|20)\d{2}(?!\d))\d+(?:\.\d+)?(?![\d.]|\s*(?:年|th\b|st\b|nd\b|rd\b))")


def _without_values(side: str) -> str:
    """The side asked without the figure it names: 2017年立项的1510项有多少 → 2017年立项的有多少项."""
    m = _VALUE_WITH_UNIT.search(side)
    if not m:
        return _SIDE_VALUE.sub("", side)
    bare = side[: m.start()] + side[m.end():]
    return re.sub(r"多少(?![个家项名次条所人万亿元%])", "多少" + m[2], bare, count=1)


# a value with the unit the letter counts it in (the figure grammar's units; a year is no value)
_VALUE_WITH_UNIT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(" + "|".join(map(re.escape, (u for u in UNITS if u != "年"))) + ")")


def _pair(builder: AnswerBuilder, question, resolved, q: Question, retrieval: Retrieval) -> Answer | None:
    halves = _subjects(q.text)
    if not halves:
        return None
    left, right = halves
    if re.search(r"多少|几|how many|how much", left, re.I):
        first = left
    elif q.english:
        first = _how_many(left)
    else:
        first = left + "有多少"
    second = _second_question(first, right, q.english)
    if q.english:
        # a year said once is said of both sides ("more A or B newly approved in 2017?")
        years = re.findall(r"\b(?:19|20)\d{2}\b", q.text)
        first, second = (s if not years or re.search(r"\b(?:19|20)\d{2}\b|five[- ]year", s, re.I)
                         else s.rstrip("?") + f" in {years[0]}?" for s in (first, second))
    sides, corrections = [], []
    for sub in (first, second):
        # a side may name its figure (the 376 projects): found without it, it must have that value
        quoted = [float(m[0]) for m in _SIDE_VALUE.finditer(sub)]
        f = builder.figure_for(_without_values(sub) if quoted else sub, q, retrieval, quoted)
        if f is None:
            return None
        sides.append(Side(sub, f))
        if quoted and f.value not in quoted:
            said = "、".join(_number(v) for v in quoted)
            corrections.append(f"Note: the letter gives {f.text} here, not {said}." if q.english
                               else f"注意：信中此处为{f.text}，不是{said}。")
    answer = _pair_answer(builder, question, resolved, q, sides[0].figure, sides[1].figure)
    if answer and corrections:
        answer = replace(answer, answer="\n\n".join(corrections) + "\n\n" + answer.answer)
    return answer


def _pair_answer(builder: AnswerBuilder, question, resolved, q: Question, a: Figure, b: Figure) -> Answer | None:
    if a == b:
        return None
    comparable = any(a.unit in g and b.unit in g for g in UNIT_GROUPS.values())
    if not comparable:
        head = (f"The two figures are in different units and cannot be compared directly: {a.text} and {b.text}."
                if q.english else f"两个数字单位不同，不能直接比较：{a.text}，{b.text}。")
    elif a.value == b.value:
        head = f"**Equal**: both are {a.text}." if q.english else f"**两者相等**：都是{a.text}。"
    else:
        big, small = (a, b) if a.value > b.value else (b, a)
        diff = _number(big.value - small.value)
        unit = big.unit if big.unit != "%" else "个百分点"
        head = (f"**{big.text}** ({big.item}) is more than **{small.text}** ({small.item}), by {diff}." if q.english
                else f"**{big.text}**（{big.item}）比**{small.text}**（{small.item}）多{diff}{unit}。")
    return replace(_listing(builder, question, resolved, q, head, [a, b]), kind="compare")


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# "两个加起来呢？", "两者差多少？", "Add them up": arithmetic on the figures the conversation has shown,
# with nothing named of its own
_OF_SHOWN = re.compile(r"^(?:那|那么)?(?:这|那)?(?:两个|两者|二者|俩|两项|两个数字?|它们|他们)?(?:的)?(?:数字|数)?(?:加起来|加在一起|相加|合计|之和|总和|一共|总共|共|"
                       r"相差|差|差距|哪个多|哪个大|谁多)+(?:了|是|有)?(?:多少|几|多大)?(?:个|家|项|名)?(?:呢|吗)?$"
                       r"|^(?:多|少)了?(?:几|多少)(?:个|家|项|名)?(?:呢|吗)?$"  # 多几个, after 哪个多
                       r"|^(?:and\s+)?(?:what(?:'s| is) )?(?:the )?(?:sum|total|difference)(?: of (?:them|those|the two|both))?$"
                       r"|^(?:add them up|(?:and )?(?:together|combined|in total)|how many (?:together|combined|in total))$", re.I)


def asks_of_shown(text: str) -> bool:
    """Asks only of the figures just shown: every piece of it (哪个多？多几个？) is a sum, a difference or which."""
    pieces = [p for p in re.split(r"[？?。!！，,；;\s]+", text.strip()) if p]
    if not pieces or (len(pieces) > 1 and any(re.search(r"[A-Za-z]", p) for p in pieces)):
        return bool(_OF_SHOWN.match(re.sub(r"[？?。!！\s]+$", "", text.strip())))
    return all(_OF_SHOWN.match(p) for p in pieces) and not all(re.match(r"(?:多|少)了?(?:几|多少)", p) for p in pieces)


def over_shown(builder: AnswerBuilder, question: str, q: Question, shown: list[Figure]) -> Answer | None:
    """A sum or a difference of the last two figures the conversation answered with. Only the letters
    are used of `builder`, so any answer step (with or without a model) computes it the same way."""
    text = re.sub(r"[？?。!！\s]+$", "", q.text.strip())
    if len(shown) < 2 or not asks_of_shown(text):
        return None
    a, b = shown[-2], shown[-1]
    resolved = f"{a.item}、{b.item}"
    if _SUM.search(text) or re.search(r"一共|总共|共", text):
        answer = _sum_answer(builder, question, resolved, q, [a, b])
    else:
        answer = _pair_answer(builder, question, resolved, q, a, b)
    return replace(answer, status=a.status) if answer and a.status == b.status else answer
