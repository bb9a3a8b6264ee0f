"""What a question asks: its kind, the unit and time it expects, the thing it counts, its content terms."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from pathlib import Path

from rag.figures import FIGURE  # one figure grammar for letter and question
from rag.retrieve import fold_english, glossary, translate_groups, untranslated_words
from rag.structure import SECTION_REFERENCE
from rag.text import is_english, normalize, plan_years

LEXICON = Path(__file__).with_name("lexicon")
QUESTION_WORD = re.compile(r"多少|几|哪|什么|谁|怎么|怎样|如何|为何|为什么|是否|吗|啥|how|what|which|who|when|where|why", re.I)

UNIT_GROUPS = {
    "count": {"个", "家", "项", "所", "件", "条", "台", "套"},
    "people": {"名", "人", "人次"},
    "times": {"次"},
    "money": {"万元", "亿元", "元"},
    "percent": {"%"},
}
_UNIT_OF_WORD = {"个": "count", "家": "count", "项": "count", "所": "count", "件": "count", "条": "count",
                 "名": "people", "人": "people", "位": "people", "人次": "people", "次": "times",
                 "万元": "money", "亿元": "money", "元": "money", "钱": "money", "万": "money", "亿": "money"}
# 几 asks only when it is not part of a time span (那几年, 近几年, 这几天).
_ASK_UNIT = re.compile(r"(?:多少|(?<![那这近前好哪])几(?![年天月乎类种方面]))(人次|万元|亿元|个|家|项|名|位|次|所|件|条|人|元|钱|万|亿)?")


@dataclass(frozen=True)
class AskWord:
    start: int
    end: int  # after the counting word, or after 多少 when it has none
    unit: str


@lru_cache(maxsize=4096)
def ask_word(text: str) -> AskWord | None:
    """多少 or 几 and its counting word. A character that opens a word of its own is not one:
    多少人才团队 counts teams (人才), 多少项目 counts projects (项目), 多少人次 counts attendances."""
    m = _ASK_UNIT.search(text)
    if not m:
        return None
    unit = m.group(1) or ""
    if unit and unit not in ("人次", "万元", "亿元"):
        first = next((w.word for w in segmenter().cut(text[m.start(1):m.start(1) + 8])), "")
        if first != unit and first.startswith(unit) and first not in _UNIT_OF_WORD:
            return AskWord(m.start(), m.start(1), "")
    return AskWord(m.start(), m.end(), unit)


_MONEY_WORDS = re.compile(r"资金|经费|贷款|投资|钱|拨款|预算|补贴|金额|多少万|多少亿|\bhow much money\b|\blending\b|\bloans?\b|\bfund size\b|\binvestments?\b|\bbudget\b|\bcosts?\b")
_PERCENT_WORDS = re.compile(r"百分之|百分比|增长多少|涨多少|增幅|比例|比重|增速|增长率|\bgrowth\b|\bgrow\b|\bpercent|\brate\b")
_PEOPLE_WORDS = re.compile(r"多少人|几人|人数|名额|人才|人员|技术员|how many people|how many persons")
_TIMES_WORDS = re.compile(r"次数|几次|多少次|how many times")
_TARGET_INTENT = re.compile(r"今年|计划|打算|准备|目标|将要|预计|力争|指标|要|将|\bwill\b|should|plan|target|expected|goal|aim|supposed|going to")
_RESULT_INTENT = re.compile(r"去年|近几年|近年|这几年|以来|期间|已经|已|现在|目前|截至|截止|至今|共有|一共|总共|实际|完成了|\bwere\b|\bwas\b|\bdid\b|so far|already|currently|to date")
_PERIOD_NAME = re.compile(r"five[- ]year plan|[一二三四五六七八九十]+五(?:计划|规划)")
_RELATIVE_YEAR = {"今年": 0, "去年": -1, "前年": -2, "明年": 1, "this year": 0, "last year": -1, "next year": 1}
# Asides that exclude something ("（不是工程技术研究中心）", "农业那块不算，", "除了农业，") are not what is asked.
_NEGATED_ASIDE = re.compile(
    r"[（(]\s*(?:不是|不包括|并非|不含|而非)[^）)]*[）)]|[，,]\s*(?:不是|而不是|并非)[^，,？?。]*"
    r"|^[^，,？?。]{1,12}?(?:那块|那部分|方面)?不算[，,]|除了[^，,？?。]{1,12}[，,以外之外]*|不包括[^，,？?。]{1,12}[，,]"
)
# "…多少家——我说的是产业技术创新平台": the clarification names the thing.
_CLARIFIED = re.compile(r"(?:我说的是|我问的是|指的是|说的是|我是说)[“\"]?([^？?。”\"]+)")
_PERSON = re.compile(r"谁|哪位|什么人|负责人|院长|主任|厅长|局长|领导|who\b|whom", re.I)
_AGENT = re.compile(r"谁(?:来|一起|共同|联合)?(?:印发|发布|发的|下发|制定|出台|设立|组织|实施|牵头|负责|批准|承担)|哪家单位|哪个单位|哪些单位|哪个部门|哪些部门|哪[两几三]个部门|哪家机构|哪个机构|由谁|谁牵头|哪家牵头|which (?:department|agency|organi[sz]ation|unit)|by whom|who (?:set up|established|issued|released|published|launched|organi[sz]ed|implemented|approved|drew up|formulated|jointly|co-?\w+)", re.I)
_PLACE = re.compile(r"哪里|在哪|哪儿|什么地方|哪(?:几|些|[一二两三四五六七八九十])?个?(?:城市|市|省份|省|国家|地区|地市)(?![\u4e00-\u9fff]*(?:部门|单位))|地址|位置|where|which (?:[\w-]+ ){0,2}(?:province|provinces|city|cities|country|countries|place|places|zones?|regions?|districts?)\b", re.I)
_WHEN = re.compile(r"哪一年|哪年|何时|什么时候|哪天|哪一天|几月|日期|when\b|what year|what date", re.I)
_LIST = re.compile(r"哪些|哪[一二两三四五六七八九十几]|包括什么|包括哪|有什么|分别|都有|具体指|哪类|哪种|which|what are|list", re.I)
_FIGURE_ASK = re.compile(r"多少|\b(?:growth|numeric|numerical) target\b|\btarget (?:is|was) set\b|什么数|啥数|多少数|(?:目标|总|人|次|个|家)数[？?]?$|(?:数量|数目|个数|总数|家数|人数|次数|金额|规模|(?<=[\u4e00-\u9fff]{2})(?<![多少无参函倍])数)(?:目标|指标)?(?:是|为|有)?(?:多少)?[？?。]?$|\bsize\b|how large|how big|\bbudget\b|\bcost\b|\bgoal for\b|\btarget for\b|(?<![那这近前好哪])几(?![年天月乎类种方面])|多大|规模|how many|how much|by how much|"
                         r"what(?:'s| is| was| are) the (?:[\w-]+ ){0,3}(?:number|amount|target|rate|goal|figure|count)|\brate\b|percent", re.I)
# An English yes/no question that quotes a number checks it ("Is the target 150?").
_YES_NO_EN = re.compile(r"^(?:is|are|was|were|did|does|do|has|have|will|would|can|so)\b|[,，]\s*(?:correct|right|true|isn't it|is that (?:right|correct))\s*\?*$", re.I)


_YES_NO_ZH = re.compile(r"(?:吗|对不对|对吧|没错吧|是这样吧)[？?。!！\s]*$|是不是|是否")


# "A和B哪个多", "比2017年多还是少", "相差多少", "Which is larger, A or B?"
COMPARISON = re.compile(
    r"哪(?:个|类|一个|一类|项|一项)?(?:更|比较)?(?:多|少|大|小|高|低)|哪(?:个|类|一个|项)[^，,？?]{0,8}?(?:更|比较)(?:多|少|大|小|高|低)|多还是少|大还是小|高还是低|(?:多|少)了?几个|相差|差(?:了)?多少|差距"
    r"|比.{1,30}?(?:多|少|高|低|大|小)(?:吗|呢|多少|几)?|相比|对比|比较|一样(?:吗|的吗|多)?|相同|相等|\bsame\b|\bequal\b"
    r"|\b(?:more|fewer|less|larger|bigger|higher|lower|greater|smaller)\b.{0,80}?\b(?:than|or)\b|\bcompare|\bwhich is (?:larger|bigger|higher|more)",
    re.I,
)


def is_comparison_text(text: str) -> bool:
    return bool(COMPARISON.search(text))


def asks_when(text: str) -> bool:
    """The question asks for a date (哪年, 什么时候, when), whatever else it asks."""
    return bool(_WHEN.search(text))


def is_yes_no(text: str, english: bool) -> bool:
    """A question to be answered yes or no (a check of what it states)."""
    return bool((_YES_NO_EN if english else _YES_NO_ZH).search(text.strip()))


def _english_numbers(text: str) -> list[str]:
    """Numbers an English question quotes, years aside; money in the letter's form (300 million → 3亿元)."""
    text = letter_form(re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text))  # 4,000 is one number
    money = [m[0] for m in FIGURE.finditer(text) if m["unit"] in ("亿元", "万元")]
    plain = [m[0] for m in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?\s*(?:%|percent)?(?![\d.]*[亿万])", text)
             if not re.fullmatch(r"(?:19|20)\d{2}", m[0].strip())]
    return money + plain


# A quantity asked for by a noun at the end: "…提供共享服务的次数目标", "…的数量"
_NOUN_ASK = re.compile(r"的?(?:数量|数目|个数|总数|家数|人数|次数|金额|规模|(?<=[\u4e00-\u9fff]{2})(?<![多少无参函倍])数)(?:目标|指标)?(?:是|为|有)?(?:多少)?[？?。]?$")
_ASKING_WORD = re.compile(r"^(?:哪|多少|什么|啥|几[个家项类种条点名位次样方])")
_COUNTING_WORD = re.compile(r"^(?:[一二两三四五六七八九十几\d]+|[每各])[个项类样种条家位名点大块部分方面]*$")


# Greetings and thanks around a question carry nothing to match.
_COURTESY = re.compile(
    r"^(?:(?:您好|你好|请问|想问下|想问一下|问一下|打扰一下|麻烦问一下|我想知道|想知道|想了解一下|想了解|hi|hello|hey|dear \w+)[!！,，。.\s]*"
    r"|我是[^，,。？?]{1,16}?的[!！,，。\s]+|我(?:在|正在)[^，,。？?]{1,12}[，,]\s*"
    r"|(?:i'?m|i am|i work (?:for|at|in)|my name is)\s[^.?!]{1,80}?[.!]\s+)+"  # "I'm a correspondent in Shenyang."
    r"|(?:[,，。.!！\s]*(?:谢谢|多谢|谢谢您|thanks|thank you)[!！。.\s]*)+$",
    re.I,
)

# Nouns that name the kind of answer wanted rather than a thing of the letter.
ANSWER_TYPE_WORDS = frozenset("次数 数量 数目 总数 名额 人数 金额 额度 数额 部门 单位 机构 时间 日期 年份 数字 比例 增速 预期 情况 意思 内容 方面 领域 名单 全称 名称 名字 简称 标题 题目 文件 地方 地点 类型 种类 类别".split())


# Acronyms of office life that say how the answer will be used, not what it is about.
_FILLER_ACRONYMS = frozenset({"PPT", "PDF", "OK", "QA", "FAQ", "RMB", "CNY", "USD"})


_NAME_FLAGS = frozenset({"ns", "nr", "nt", "nrt", "nrfg"})


@dataclass
class Question:
    text: str  # as asked (after follow-up resolution)
    english: bool
    kind: str  # figure / verify / list / person / place / when / passage
    unit_group: str | None
    unit_strict: bool  # said with a measure word (多少家) or a kind of its own (money, percent)
    years: list[int]
    intent: str | None  # target / result / None
    counted: str  # the thing a figure question counts, e.g. 重点实验室
    terms: list[str] = field(default_factory=list)  # content words (Chinese)
    verbs: set[str] = field(default_factory=set)  # those of them that are verbs: paraphrased more often
    unknown: list[str] = field(default_factory=list)  # content words the letter never uses
    unknown_names: list[str] = field(default_factory=list)  # places, people, organisations it never names
    names: list[list[str]] = field(default_factory=list)  # places and bodies it does name, each with its renderings
    figures: list[str] = field(default_factory=list)  # figures quoted in the question, e.g. 500家以上
    last_term: str = ""  # the last content word before the question word: what a 多少钱 question is about
    excluded: list[str] = field(default_factory=list)  # words of an aside that sets something apart
    anchors: list[str] = field(default_factory=list)  # the longest runs of the question the letter writes verbatim
    asked: str = ""  # the object a what-question asks for: 材料 in "要准备哪些材料"


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    words = set()
    for line in (LEXICON / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


_jieba = None


def segmenter(cache_dir: Path | None = None):
    """jieba, loaded once, with its cache in our data folder instead of the shared /tmp."""
    global _jieba
    if _jieba is None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
        jieba.initialize()
        _jieba = jieba.posseg
    return _jieba


def counted_phrase(question: str) -> str:
    """The noun phrase a figure question counts: 多少个[重点实验室] or [技术转移中心]要达到多少个."""
    if m := _CLARIFIED.search(question):
        return m[1].strip(" -—，,")
    q = _NEGATED_ASIDE.sub("", question)
    m = ask_word(q) or _NOUN_ASK.search(q)  # 多少个… or …的次数目标
    if not m:
        return ""
    end, start = (m.end, m.start) if isinstance(m, AskWord) else (m.end(), m.start())
    after = re.split(r"[，,。？?！!、；;\s（(]", q[end:], maxsplit=1)[0]
    after = re.sub(r"^(?:的)", "", after)
    after = re.sub(r"(?:呢|吗|啊|呀|了|的|钱|出来|是|有|可以|能)+$", "", after)
    # what follows 多少项 is the thing counted, unless it is a verb phrase (多少项能留在省内转化)
    if (len(re.findall(r"[\u4e00-\u9fff]", after)) >= 2 and after not in stopwords()
            and not re.match(r"能|会|要|可以|可|将|被|得以", after)):
        return after
    before = re.split(r"[，,。？?！!；;：:\s]", q[:start])[-1]
    before = re.sub(r"(?:现在|目前|今年|去年|明年|已经|一共|总共|共|要|将|计划|打算|准备|目标是|能|会|可以|达到|新增|增长|涨|"
                    r"实现|做到|搞到|弄到|完成|发展到|增加到|提高到|扩大到|达|定了|定的|定|给的|有|是|为|了|的|都)+$", "", before)
    # "…的数量/目标/名额" name the kind of answer, not the thing counted
    before = re.sub(r"(?:的)?(?:数量|数目|总数|规模|目标|指标|名额|次数|人数|金额|额度|数额|数字|增速|预期|情况)+$", "", before)
    before = re.sub(r"(?:现在|目前|今年|去年|要|将|计划|希望|想要|预计|的)+$", "", before)
    # when and whose (目前, 辽宁省) frame the count; the thing counted follows them
    before = re.sub(r"^(?:(?:19|20)\d{2}年|今年|去年|截至目前|截至|目前|现在|当前|至今|迄今|全省|我省|咱们省|辽宁省?|的)+", "", before)
    before = re.sub(r"^(?:希望|想要|预计|计划|打算|准备)+", "", before)
    phrase = _drop_trailing_verbs(before)
    return "" if phrase in stopwords() else phrase


def _drop_trailing_verbs(phrase: str) -> str:
    """产业技术创新平台已经批 → 产业技术创新平台: a noun phrase ends in a noun."""
    words = [(w.word, w.flag) for w in segmenter().cut(phrase)]
    while words and words[-1][1][:1] in {"v", "d", "u", "p", "c", "r", "y", "q", "m", "f"} and words[-1][1] != "vn":
        words.pop()
    if not any(flag[:1] in {"n", "j"} or flag == "vn" for _, flag in words):
        return ""  # no noun, no thing counted (又打算新)
    return "".join(w for w, _ in words)


_CN_COUNT = re.compile(r"(?<![第哪这那每几前后头一二两三四五六七八九十百千万])([零一二两三四五六七八九十百千]+[万亿]?)(?=个亿|亿元|万元|亿|万|人次|个|家|项|名|次|所|条|件|人|%)")


def letter_form(text: str, letter_text: str = "") -> str:
    """Figures as the letter writes them: Chinese numerals before a unit in digits, 个亿 and bare 亿/万
    as 亿元/万元, full-width digits and percent signs folded (三十六个 → 36个, 3个亿 → 3亿元, 15％ → 15%).
    A numeral the letter itself writes that way stays (科技创新六项行动 is a name, not a count)."""
    import cn2an

    def digits(m: re.Match) -> str:
        unit = text[m.end():m.end() + 2]
        if letter_text and (m[1] + unit[:1]) in letter_text:
            return m[1]
        if m[1] == "一":
            return m[1]  # 一家公司, 一项工作: an article, not a figure anyone checks
        return str(cn2an.cn2an(m[1], "smart"))

    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?:RMB|CNY|¥)?\s*(\d+(?:\.\d+)?)\s*(million|billion)\s*(?:yuan|RMB)?", _english_money, text, flags=re.I)
    text = re.sub(r"百分之([\d.]+|[零一二两三四五六七八九十]+)", lambda m: m[1] + "%", text)
    text = _CN_COUNT.sub(digits, text)
    text = re.sub(r"(\d+(?:\.\d+)?)个?(亿|万)(?!元)", r"\1\2元", text)
    return text


def _english_money(m: re.Match) -> str:
    """300 million (yuan) → 3亿元, 50 million → 5000万元: money as the letter writes it."""
    yuan = float(m[1]) * (1e6 if m[2].lower() == "million" else 1e9)
    if yuan >= 1e8:
        return f"{yuan / 1e8:g}亿元"
    return f"{yuan / 1e4:g}万元"


def years_of(question: str, signed_year: int | None) -> list[int]:
    # a year, not a count of four digits (2000项以上)
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)(?=\s*年|[^\d项个家名次万亿元%％人件所条倍台套]|$)", question)]
    years.extend(plan_years(question))
    # "17年新批…" is 2017; "10年以上", "3年来" are durations
    years.extend(2000 + int(y) for y in re.findall(r"(?<![\d.])(\d{2})年(?!以上|以下|来|内|间|后|前|左右|多)", question))
    if signed_year:
        for word, delta in _RELATIVE_YEAR.items():
            if word in question.lower():
                years.append(signed_year + delta)
    return sorted(set(years))


def unit_group_of(question: str) -> str | None:
    q = question.lower()
    if _PERCENT_WORDS.search(q):
        return "percent"
    m = ask_word(q)
    if m and m.unit:
        return _UNIT_OF_WORD[m.unit]
    if _MONEY_WORDS.search(q):
        return "money"
    if _PEOPLE_WORDS.search(q):
        return "people"
    if _TIMES_WORDS.search(q):
        return "times"
    return None


def intent_of(question: str) -> str | None:
    q = _PERIOD_NAME.sub(" ", question.lower())  # the 12th Five-Year Plan names a period, not a plan
    target, result = bool(_TARGET_INTENT.search(q)), bool(_RESULT_INTENT.search(q))
    if target and result:
        return None  # "是计划还是已经做到的" asks which; it does not presume
    return "target" if target else "result" if result else None


_PREAMBLE = re.compile(r"^([^：:，,。？?！!]{1,20})[：:，,]\s*(.+)$", re.S)


def _without_preamble(text: str, letter_text: str) -> str:
    """"记者核实一下：…", "帮个忙，…": a leading clause that asks nothing and says nothing the letter
    speaks of (no run of two characters it writes) is a preamble, not part of the question."""
    m = _PREAMBLE.match(text)
    if not m or is_english(text) or QUESTION_WORD.search(m[1]) or not QUESTION_WORD.search(m[2]):
        return text
    if letter_phrases(m[1], letter_text, min_chars=2) or FIGURE.search(m[1]) or re.search(r"(?:19|20)\d{2}", m[1]):
        return text
    return m[2]


def analyze(question: str, letter_text: str, signed_year: int | None, cache_dir: Path | None = None,
            ambient: str = "") -> Question:
    """`ambient` is what the whole letter is about without saying it in each sentence (its issuer,
    辽宁省科学技术厅): words of it do not need to be found next to a figure."""
    text = _COURTESY.sub("", question).strip() or question.strip()
    text = _without_preamble(text, letter_text)
    english = is_english(text)
    core = _NEGATED_ASIDE.sub("", text)
    excluded = [w for aside in _NEGATED_ASIDE.findall(text)
                for w in re.findall(r"[\u4e00-\u9fff]{2,}", re.sub(r"不是|不包括|并非|不含|而非|那块|那部分|方面|不算|除了|以外|之外", " ", aside))]
    # figures quoted in the question, read as the letter writes them (三十六个 → 36个, 3个亿 → 3亿元)
    figures = [m[0] for m in FIGURE.finditer(letter_form(core, letter_text)) if not (m["unit"] == "年" and not m["tail"])]
    years = years_of(core, signed_year)
    unit_group = unit_group_of(core)
    # a name the letter writes that ends in 计划/规划 (省自然科学基金计划, 三年行动计划) names a programme, not a plan
    anchors = [] if english else letter_phrases(core, letter_text)
    named_plans = [p for p in anchors if len(p) >= 4 and re.search(r"[计规]划$", p)]
    intent = intent_of(reduce(lambda t, p: t.replace(p, " "), named_plans, core))
    if years and signed_year:
        # A stated year decides the tense: "2017年…计划" asks about what was done in 2017.
        intent = "result" if max(years) < signed_year else "target"
        if re.search(r"还是|是不是|吗", core):
            intent = None
    if re.search(r"文号|发文字号|编号|reference number|document number", core, re.I):
        kind = "docnum"
    elif _AGENT.search(core):
        kind = "agent"
    elif _PERSON.search(core):
        kind = "person"
    elif _WHEN.search(core):
        kind = "when"
    elif figures and not _FIGURE_ASK.search(core) and not _LIST.search(core):
        kind = "verify"
    elif english and _YES_NO_EN.search(core) and (bare := _english_numbers(core)):
        kind, figures = "verify", bare
    elif _FIGURE_ASK.search(core) and not re.search(r"分别|哪几类|哪些", core):
        kind = "figure"
    elif _PLACE.search(core):
        kind = "place"
    elif _LIST.search(core):
        kind = "list"
    else:
        kind = "passage"
    if kind == "verify" and is_comparison_text(text) and not is_yes_no(text, english):
        kind = "passage"  # "A的1510项和B的999项，哪个多" asks which, not whether
    terms, unknown, unknown_names, verbs = [], [], [], set()
    names: list[list[str]] = []
    if not english:
        folded = normalize(letter_text)
        words_only = re.sub(r"(?:19|20)\d{2}\s*年?", " ", core)  # years are checked on their own
        words_only = SECTION_REFERENCE.sub(" ", words_only)  # where to look is not what is asked
        for token in segmenter(cache_dir).cut(words_only):
            word, flag = token.word.strip(), token.flag
            if not word or word in stopwords() or not re.search(r"[\u4e00-\u9fff0-9A-Za-z]", word):
                continue
            if re.fullmatch(r"(?:19|20)\d{2}", word) or word in _RELATIVE_YEAR or _COUNTING_WORD.match(word):
                continue  # years are checked on their own; "五个", "几类" only count
            if _ASKING_WORD.match(word):
                continue  # 哪几种, 多少种, 什么样: how it asks, whatever jieba makes of it
            word = re.sub(r"(?<=.)[是的了]$", "", word)
            word = re.sub(r"^[份个家项条位名件次本篇封](?=[\u4e00-\u9fff])", "", word)  # 那份文件 → 文件, 项能 → 能
            if len(word) < 2 or word in stopwords():
                continue
            if word in ambient and len(word) >= 2:
                continue
            terms.append(word)
            if flag.startswith("v") and flag != "vn":
                verbs.add(word)

            if (normalize(word) not in folded and _is_content(word, flag) and not FIGURE.fullmatch(word)
                    and word not in ANSWER_TYPE_WORDS):
                unknown.append(word)
                if flag in _NAME_FLAGS or (flag == "eng" and word.isupper() and word not in _FILLER_ACRONYMS):
                    unknown_names.append(word)
        # A word right before the question word narrows what is asked for (国内哪个省, 国外哪些高校):
        # the answer's type, not a thing the letter must name; places among them are checked below.
        # Being words the letter never writes, they cannot count against a passage that answers either.
        narrowing = {w for w in unknown if w not in unknown_names
                     and re.search(re.escape(w) + r"的?(?:是|跟|和|与|同|在)*(?:哪|什么)", core)}
        unknown = [w for w in unknown if w not in narrowing]
        terms = [t for t in terms if t not in narrowing]
        # A place the question names (丹东, 德国) must be where the answer is; one the letter never
        # names (吉林) cannot be answered from it.
        for place in places():
            if place not in core or place in ambient or any(place in o for o in places() if o != place and o in core):
                continue
            if place in letter_text:
                names.append([place])
            else:
                unknown_names.append(place)
    else:
        # An acronym or code the letter never writes (GDP, R&D) is something it cannot answer.
        unknown = [w for w in re.findall(r"\b[A-Z]{2,}\b", text) if w.lower() not in normalize(letter_text)
                   and w not in _FILLER_ACRONYMS]
        # A proper name (German, Harbin) the glossary cannot render is something the letter does not name.
        untranslated = set(untranslated_words(text))
        capitalised = re.findall(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]+)\b", text)
        # ... unless it is part of a name the glossary does render ("Tsinghua Tus (Qidi) Shenyang": 清华, 沈阳)
        runs = re.findall(r"(?:\(?[A-Z][\w&'-]*\)?\s*){2,}", text)
        aliased = {w for run in runs if any(fold_english(x) not in untranslated for x in re.findall(r"[A-Z][a-z]+", run))
                   for w in re.findall(r"[A-Z][a-z]+", run)}
        unknown_names = list(unknown) + [w for w in capitalised if fold_english(w) in untranslated and w not in aliased]
        # A term the glossary renders only into words the letter never writes (patents → 专利).
        folded = normalize(letter_text)
        absent = [group[0] for group in translate_groups(text) if not any(normalize(alt) in folded for alt in group)]
        unknown += absent
        unknown_names += absent
        # names the glossary does render (German → 德国) must then be found by the evidence
        names = [group for w in capitalised if fold_english(w) not in untranslated
                 for en, group in glossary() if en == fold_english(w) and set(group) & set(places())
                 and not any(g in ambient for g in group)]
    return Question(
        text=text,
        english=english,
        kind=kind,
        unit_group=unit_group,
        unit_strict=unit_group in {"money", "percent"} or bool((m := ask_word(core)) and m.unit)
        or bool(re.search(r"how many (?:people|persons)", core, re.I)),
        years=years,
        intent=intent,
        counted=counted_phrase(core),
        terms=terms,
        verbs=verbs,
        unknown=unknown,
        unknown_names=unknown_names,
        names=names,
        figures=figures,
        last_term=_last_term_before_ask(core, terms, cache_dir),
        excluded=excluded,
        anchors=anchors,
        asked="" if english else asked_noun(core, cache_dir),
    )


_WHICH = frozenset("什么 哪些 哪个 哪家 哪种 哪类 啥".split())


def asked_noun(question: str, cache_dir: Path | None = None) -> str:
    """The common noun a what-question ends on (要准备哪些材料, 去哪个窗口办): an answer must speak of it.
    Places and the kinds of answer (部门, 名称) are left to the handlers that know them."""
    words = [w for w in segmenter(cache_dir).cut(question) if w.word.strip()]
    for i, w in enumerate(words[:-1]):
        noun, rest = words[i + 1], words[i + 2:]
        if w.word not in _WHICH or noun.flag[:1] not in {"n", "s"} or noun.flag == "ns" or len(noun.word) < 2:
            continue
        # the noun ends the clause, or only a one-character verb follows it (办, 找)
        if rest and not (rest[0].flag == "x" or (len(rest[0].word) == 1 and rest[0].flag[:1] == "v"
                                                  and (len(rest) == 1 or rest[1].flag == "x"))):
            continue
        if noun.word not in ANSWER_TYPE_WORDS:
            return noun.word
    return ""


_EDGE_CHARS = "的了是有和与及在把被对从为也都就还又要将个家项名次所条位，,。？?！!、 "


def letter_phrases(question: str, letter_text: str, min_chars: int = 3) -> list[str]:
    """The maximal runs of a question that the letter writes verbatim (省级技术创新中心, 工程研究中心):
    the names of things as the letter has them, so that a question is held to the thing it names."""
    q = re.sub(r"(?:19|20)\d{2}\s*年?", " ", normalize(question))  # years are checked on their own
    text = normalize(letter_text)
    spans_: list[tuple[int, int]] = []
    reach = 0
    for i in range(len(q)):
        j = i
        while j < len(q) and q[i : j + 1] in text:
            j += 1
        if j > reach:  # not inside the run of an earlier start
            spans_.append((i, j))
            reach = j
    out = []
    for a, b in spans_:
        run = q[a:b].strip(_EDGE_CHARS)
        if len(re.findall(r"[\u4e00-\u9fff]", run)) >= min_chars and run not in stopwords() and run not in out:
            out.append(run)
    return out


@lru_cache(maxsize=1)
def place_kinds() -> dict[str, frozenset[str]]:
    """Each place of the gazetteer with its kinds (lexicon/places.txt)."""
    kinds: dict[str, set[str]] = {}
    for line in (LEXICON / "places.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, _, names = line.partition("\t")
            for name in names.split():
                kinds.setdefault(name, set()).add(kind)
    return {name: frozenset(k) for name, k in kinds.items()}


@lru_cache(maxsize=1)
def places() -> tuple[str, ...]:
    return tuple(place_kinds())


_PLACE_KIND_ASKED = (("city", re.compile(r"城市|地市|(?<![省国])市|\bcit(?:y|ies)\b", re.I)),
                     ("province", re.compile(r"省份|(?<![辽宁])省(?!级|里|内|科技厅|政府|委)|\bprovinces?\b", re.I)),
                     ("country", re.compile(r"国家(?!级|重点|地方|自主|技术|科技|高新)|\bcountr(?:y|ies)\b|\bnations?\b", re.I)))


def place_kind_asked(question: str) -> str | None:
    """The kind of place a which-place question asks for (哪些城市 → city), or None when any place does."""
    asked = re.search(r"(?:哪|什么|which|what)[^，,？?。]{0,8}", question, re.I)
    if not asked:
        return None
    return next((kind for kind, pattern in _PLACE_KIND_ASKED if pattern.search(asked[0])), None)


def place_is(place: str, kind: str | None) -> bool:
    """Whether a place is of the asked kind: by the gazetteer, else by how its name ends (辽宁省 is a
    province, 大连市 a city); a place of no known kind fits any question."""
    if kind is None:
        return True
    if place in place_kinds():
        return kind in place_kinds()[place]
    ending = {"省": "province", "市": "city", "国": "country"}.get(place[-1:])
    return ending is None or ending == kind


def content_words(phrase: str, cache_dir: Path | None = None) -> list[str]:
    """The words of a phrase that are not asking words or particles."""
    return list(_content_words(phrase, cache_dir))


@lru_cache(maxsize=4096)
def _content_words(phrase: str, cache_dir: Path | None = None) -> tuple[str, ...]:
    return tuple(w.word for w in segmenter(cache_dir).cut(phrase) if w.word.strip() and w.word not in stopwords())


def _last_term_before_ask(question: str, terms: list[str], cache_dir: Path | None = None) -> str:
    """The last noun before 多少: in 财政一共拿出了多少钱 the money is the 财政's."""
    m = ask_word(question)
    if not m:
        return ""
    before = question[: m.start]
    nouns = {w.word for w in segmenter(cache_dir).cut(before) if w.flag[:1] in {"n", "j"} or w.flag == "vn"}
    placed = [(before.rfind(t), t) for t in terms if len(t) >= 2 and t in before and t in nouns]
    return max(placed)[1] if placed else ""


@lru_cache(maxsize=1)
def synonyms() -> list[tuple[str, str]]:
    rows = [line.split("\t") for line in (LEXICON / "synonyms.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return sorted(((a, b) for a, b in rows), key=lambda r: -len(r[0]))


def alternatives(word: str) -> list[str]:
    """The letter's words for an everyday one (大学 → 高校), to match either."""
    return list(_official_words().get(word, ()))


@lru_cache(maxsize=1)
def _official_words() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for everyday, official in synonyms():
        table.setdefault(everyday, []).append(official)
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=1)
def _spoken_words() -> list[tuple[str, str]]:
    rows = [line.split("\t") for line in (LEXICON / "colloquial.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return sorted(((a, b) for a, b in rows), key=lambda r: -len(r[0]))


def written_form(question: str, letter_text: str) -> str:
    """Spoken question words in their written form (咋个松法 → 怎么松法, 多少条来着 → 多少条), so the
    reader of questions knows one word for each way of asking."""
    for spoken, written in _spoken_words():
        if spoken in question and spoken not in letter_text:
            question = question.replace(spoken, written)
    return question


def official_wording(question: str, letter_text: str) -> str:
    """Everyday words the letter never uses, replaced by the letter's own (大学 → 高校)."""
    for everyday, official in synonyms():
        if everyday in question and everyday not in letter_text:
            question = question.replace(everyday, official)
    return question


def _is_content(word: str, flag: str) -> bool:
    """Nouns, names, adjectives and numbers carry what is asked; verbs and particles mostly carry how."""
    if len(word) < 2 and not word.isdigit():
        return False
    return flag[:1] in {"n", "a", "m", "t", "s", "i", "l", "j", "x", "e"} or flag in {"vn", "eng", "nz"}
