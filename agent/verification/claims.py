"""Claim extraction: what one sentence states, as typed parts with their positions.

A :class:`Claim` holds the citation keys, the concepts it names, each number with its precision, unit and
whether it is approximate, a count or a difference, the dates it states (at the precision written), and the cues
the binding rules read: temporal qualifiers, direction words, judgements, status cues, negation, frequencies,
absence scopes. Nothing here looks at evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from medcite.agent.verification.vocabulary import Lexicon, lexicon, phrases, sentence_unit, unit_pattern
from medcite.core.citation_keys import citation_keys, strip_citations

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = r"(?P<{g}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})(?:-(\d{2}))?(?![\d-])")
_MONTH_RANGE = re.compile(
    rf"\b{_MONTH.format(g='m1')}\s+(?:and|to|through|until|-|–)\s+{_MONTH.format(g='m2')},?\s+(?P<y>\d{{4}})\b", re.I
)
_MDY = re.compile(rf"\b{_MONTH.format(g='m')}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I)
_DMY = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH.format(g='m')},?\s+(?P<y>\d{{4}})\b", re.I)
_MY = re.compile(rf"\b{_MONTH.format(g='m')},?\s+(?:of\s+)?(?P<y>\d{{4}})\b", re.I)
_YEAR = re.compile(r"(?<![\w.,/-])(1[89]\d\d|20\d\d)(?![\w%/]|[.,]\d)")
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.,])(?P<sign>[-−–](?=\d))?(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?P<dec>\d+))?"
)
_PAIR = re.compile(r"\s?/\s?(?=\d)")
_WORD = re.compile(r"[a-z][a-z'-]*")


@dataclass(frozen=True)
class Mention:
    """A named concept (``concepts`` are lexicon ids), or an unknown word shaped like a drug, procedure or
    disease name (``concepts`` empty, ``word`` set)."""

    start: int
    end: int
    text: str
    concepts: frozenset[str]
    word: str | None = None


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    text: str
    value: float
    decimals: int
    unit: str | None = None  # unit key of the unit table
    approx: bool = False
    pair: int | None = None  # 0 or 1 in 'a/b' (systolic/diastolic)
    count_noun: str | None = None
    difference: bool = False
    word: bool = False  # written as a word ('two')


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def prefix(self) -> str:
        """'2019', '2019-06' or '2019-06-25': compared with record dates at the precision written."""
        out = f"{self.year:04d}"
        if self.month:
            out += f"-{self.month:02d}"
            if self.day:
                out += f"-{self.day:02d}"
        return out


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    phrase: str
    kind: str


@dataclass
class Claim:
    sentence: str
    text: str  # without citations
    keys: list[str]
    mentions: list[Mention] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    latest: list[Cue] = field(default_factory=list)
    directions: list[Cue] = field(default_factory=list)
    judgements: list[Cue] = field(default_factory=list)
    status: list[Cue] = field(default_factory=list)
    negations: list[Cue] = field(default_factory=list)
    frequencies: list[Cue] = field(default_factory=list)
    scopes: list[Cue] = field(default_factory=list)
    scope_status: list[Cue] = field(default_factory=list)
    clause_starts: list[int] = field(default_factory=list)

    def clause(self, pos: int) -> int:
        return sum(1 for s in self.clause_starts if s <= pos)

    def near(self, cues: list[Cue], pos: int) -> list[Cue]:
        """Cues in the clause of ``pos``; all of them when that clause has none."""
        same = [c for c in cues if self.clause(c.start) == self.clause(pos)]
        return same or cues

    def attached(self, q: Quantity) -> Mention | None:
        """The concept a number belongs to: the nearest named one before it in its clause, else before it
        anywhere, else the first after it in its clause."""
        before = [m for m in self.mentions if m.end <= q.start]
        same = [m for m in before if self.clause(m.start) == self.clause(q.start)]
        if same or before:
            return (same or before)[-1]
        after = [m for m in self.mentions if m.start >= q.end and self.clause(m.start) == self.clause(q.start)]
        return after[0] if after else None


def _free(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in spans)


def _dates(text: str) -> list[DateMention]:
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], year: int, month: int | None, day: int | None) -> None:
        if _free(taken, m.start(), m.end()):
            found.append(DateMention(m.start(), m.end(), m.group(0), year, month, day))
            taken.append((m.start(), m.end()))

    for m in _ISO.finditer(text):
        add(m, int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None)
    for m in _MONTH_RANGE.finditer(text):
        if _free(taken, m.start(), m.end()):
            y = int(m.group("y"))
            cut = m.start("m2")
            found.append(DateMention(m.start(), cut, text[m.start() : cut], y, MONTHS[m.group("m1").lower()]))
            found.append(DateMention(cut, m.end(), text[cut : m.end()], y, MONTHS[m.group("m2").lower()]))
            taken.append((m.start(), m.end()))
    for pattern in (_MDY, _DMY, _MY):
        for m in pattern.finditer(text):
            if m.group("m").lower() == "may" and not m.group("m").startswith("M"):
                continue
            day = int(m.group("d")) if "d" in m.groupdict() and m.group("d") else None
            add(m, int(m.group("y")), MONTHS[m.group("m").lower()], day)
    for m in _YEAR.finditer(text):
        add(m, int(m.group(1)), None, None)
    return sorted(found, key=lambda d: d.start)


@cache
def _phrase_re(words: tuple[str, ...]) -> re.Pattern[str]:
    alts = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])")


def _cues(low: str, words: dict[str, tuple[str, ...]], skip: list[tuple[int, int]]) -> list[Cue]:
    """Phrases of each kind in lower-cased text, longest first, outside ``skip`` (which they extend)."""
    table = [(w, kind) for kind, ws in words.items() for w in ws]
    kind_of: dict[str, str] = {}
    for w, kind in table:
        kind_of.setdefault(w, kind)
    out: list[Cue] = []
    for m in _phrase_re(tuple(kind_of)).finditer(low):
        if _free(skip, m.start(), m.end()):
            out.append(Cue(m.start(), m.end(), m.group(0), kind_of[m.group(0)]))
    return out


def _number(m: re.Match[str]) -> tuple[float, int]:
    digits = m.group("int").replace(",", "")
    dec = m.group("dec") or ""
    value = float(f"{digits}.{dec}" if dec else digits)
    return (-value if m.group("sign") else value), len(dec)


def _ends_near(pattern: re.Pattern[str], before: str, within: int) -> bool:
    return any(x.end() >= len(before) - within for x in pattern.finditer(before))


def _quantities(text: str, low: str, skip: list[tuple[int, int]]) -> list[Quantity]:
    """Numbers (digits or count words) with their unit, pair position, count noun and modifiers."""
    ph = phrases()
    approx_re = _phrase_re(ph.approximate)
    diff_re = _phrase_re(ph.difference)
    noun_re = re.compile(r"\s+(?:[a-z-]+\s+){0,2}?(" + "|".join(map(re.escape, ph.count_nouns)) + r")(?![a-z])")
    units = unit_pattern()
    out: list[Quantity] = []
    numbers = [m for m in _NUMBER.finditer(text) if _free(skip, m.start(), m.end())]
    consumed = 0
    second_of_pair = -1
    for i, m in enumerate(numbers):
        if m.start() < consumed:
            continue
        value, decimals = _number(m)
        end = m.end()
        rest = text[end:]
        nxt = numbers[i + 1] if i + 1 < len(numbers) else None
        um = units.match(rest)
        unit = sentence_unit(um.group(0)).key if um else None
        pair: int | None = 1 if i == second_of_pair else None
        pm = _PAIR.match(rest)
        if um is None and pm and nxt is not None and nxt.start() == end + pm.end():
            pair, second_of_pair = 0, i + 1
            um2 = units.match(text[nxt.end() :])
            unit = sentence_unit(um2.group(0)).key if um2 else None
        elif um is not None:
            end += um.end()
        elif rest[:1].isalpha():
            continue  # '2nd', '3x'
        consumed = end
        before = low[max(0, m.start() - 30) : m.start()]
        noun = noun_re.match(low[end:]) if unit is None else None
        out.append(
            Quantity(
                start=m.start(),
                end=end,
                text=text[m.start() : end],
                value=value,
                decimals=decimals,
                unit=unit,
                approx=_ends_near(approx_re, before, 2),
                pair=pair,
                count_noun=noun.group(1) if noun else None,
                difference=_ends_near(diff_re, before, 12),
            )
        )
    for word, n in ph.counts.items():
        for m in re.finditer(rf"(?<![a-z]){re.escape(word)}(?![a-z])", low):
            if not _free(skip, m.start(), m.end()):
                continue
            um = units.match(text[m.end() :])
            noun = noun_re.match(low[m.end() :])
            unit = sentence_unit(um.group(0)).key if um else None
            if unit is None and noun is None:
                continue
            end = m.end() + (um.end() if um else 0)
            out.append(
                Quantity(m.start(), end, text[m.start() : end], float(n), 0, unit=unit,
                         count_noun=noun.group(1) if noun else None, word=True)
            )  # fmt: skip
    return sorted(out, key=lambda q: q.start)


def _unknown_entities(low: str, taken: list[tuple[int, int]]) -> list[Mention]:
    ph = phrases()
    suffixes = tuple(ph.entity_suffixes)
    out = []
    for m in _WORD.finditer(low):
        word = m.group(0).strip("'-")
        if (
            len(word) >= 6
            and word.endswith(suffixes)
            and word not in ph.not_entities
            and _free(taken, m.start(), m.end())
        ):
            out.append(Mention(m.start(), m.end(), word, frozenset(), word=word))
    return out


def _clause_starts(low: str) -> list[int]:
    starts = []
    for brk in phrases().clause_breaks:
        starts += [m.start() + 1 for m in re.finditer(re.escape(brk), low)]
    return sorted(starts)


def extract(sentence: str, lex: Lexicon | None = None) -> Claim:
    """The claim a sentence makes (its citations removed from the text it reads)."""
    lex = lex or lexicon()
    ph = phrases()
    text = strip_citations(sentence)
    low = text.lower()
    claim = Claim(sentence=sentence, text=text, keys=citation_keys(sentence), clause_starts=_clause_starts(low))
    claim.dates = _dates(text)
    dates = [(d.start, d.end) for d in claim.dates]
    claim.mentions = [Mention(f.start, f.end, f.text, f.concepts) for f in lex.find(text, skip=dates)]
    claim.mentions += _unknown_entities(low, dates + [(m.start, m.end) for m in claim.mentions])
    claim.mentions.sort(key=lambda m: m.start)
    named = [(m.start, m.end) for m in claim.mentions]
    claim.quantities = _quantities(text, low, dates + named)
    words = dates + named + [(q.start, q.end) for q in claim.quantities]
    not_latest = [(c.start, c.end) for c in _cues(low, {"x": ph.not_latest}, [])]
    claim.latest = _cues(low, {"latest": ph.latest}, not_latest)
    claim.directions = _cues(low, ph.direction.model_dump(), words)
    claim.judgements = _cues(low, ph.judgements.model_dump(), words + [(c.start, c.end) for c in claim.directions])
    claim.status = [c for kind, ws in ph.status.model_dump().items() for c in _cues(low, {kind: ws}, words)]
    said = words + [(c.start, c.end) for c in claim.judgements + claim.status if c.kind in _NEGATING]
    claim.negations = _cues(low, {"negation": ph.negation}, said)
    claim.frequencies = _cues(low, _by_kind(ph.frequency), dates)
    claim.scopes = _cues(low, ph.scopes.model_dump(), dates)
    claim.scope_status = [c for kind, ws in ph.scope_status.model_dump().items() for c in _cues(low, {kind: ws}, dates)]
    return claim


_NEGATING = frozenset(
    {"stopped", "resolved", "uncontrolled", "normal", "controlled", "low", "high", "abnormal", "risk"}
)


def _by_kind(table: dict[str, str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for phrase, kind in table.items():
        out.setdefault(kind, []).append(phrase)
    return {k: tuple(v) for k, v in out.items()}


def is_abstention(text: str) -> bool:
    """Whether a sentence says the record lacks something ('No HbA1c is recorded')."""
    low = text.lower()
    return any(re.search(p, low) for p in phrases().abstentions)


def dates_in(text: str) -> list[str]:
    """Dates written in a text, at the precision written ('2019', '2019-06', '2019-06-25')."""
    return [d.prefix for d in _dates(text)]


def quantities_in(text: str) -> list[Quantity]:
    """Numbers with their units in a plain text (a drug's name, a dosage, a passage)."""
    return _quantities(text, text.lower(), [(d.start, d.end) for d in _dates(text)])
