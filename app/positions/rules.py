"""The screening-rule language: keyword groups with AND / OR / NOT, evaluated against resume text.

Syntax (what the rule editor accepts)
-------------------------------------
- Operators: ``AND`` / ``与`` / ``&`` (``&&``), ``OR`` / ``或`` / ``|`` (``||``), ``NOT`` / ``非`` / ``!``
  (and a ``-`` written directly before a term, e.g. ``-外包``). Latin operator words are
  case-insensitive. ``与``/``或``/``非`` are operators only as separate words (surrounded by spaces,
  parentheses or the ends of the rule), so ``非小细胞肺癌`` stays one term. A ``-`` inside a term
  (``COVID-19``) is part of the term. Full-width forms (``（`` ``）`` ``！`` ``｜`` ``＆``) work too.
- Precedence: NOT binds tighter than AND, AND tighter than OR; terms written next to each other are
  joined by an implicit AND; parentheses group.
- Quoted phrases ``"深度 学习"`` / ``“…”`` / ``「…」`` are taken literally, including spaces and
  operator words.
- ``,`` ``，`` ``、`` ``;`` ``；`` are rejected with a message: in Chinese lists they are ambiguous
  (either/or or both?), so the user must say AND or OR.
- Errors are ``RuleSyntaxError`` (an ``InvalidInput``) whose message names the 1-based character
  position, e.g. "第12个字符处缺少右括号".

Matching (decided here, documented for the UI)
----------------------------------------------
Text is normalised per character without changing its length (full-width ASCII to half-width,
Latin letters lower-cased), so spans index the original text for highlighting.

- A term whose edge is a Latin letter or digit must not continue a Latin word there:
  ``AI`` does not match ``email``, ``HIS`` does not match ``this``; case is ignored.
- Chinese terms are found as substrings and then checked against the jieba segmentation of the
  text (shared tokenizer with the medical vocabulary). A hit is kept when it is a run of whole
  tokens (``token``), lies inside one token (``compound``: ``护士`` in ``护士长``), or at least
  one of its ends falls on a token boundary (``影像诊断`` in ``医学影像|诊断``). A hit with both
  ends cutting through two different tokens is rejected: ``中医`` is not found in ``集中|医疗``.
- Synonyms: a table term -> equivalents, used symmetrically (``A = B`` lets B find A and A find
  B) but not transitively, so one broad entry cannot chain unrelated words together.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.errors import InvalidInput
from app.i18n import _

log = logging.getLogger(__name__)

MAX_RULE_LENGTH = 2000

# --------------------------------------------------------------------------------------------
# Syntax tree


@dataclass(frozen=True)
class Term:
    text: str
    start: int  # 0-based offsets into the rule source
    end: int
    quoted: bool = False


@dataclass(frozen=True)
class Not:
    child: Node
    start: int
    end: int


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    start: int
    end: int


Node = Term | Not | And | Or


class RuleSyntaxError(InvalidInput):
    """The rule text cannot be parsed; ``position`` is the 1-based character of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Rule:
    source: str
    root: Node

    def text_of(self, node: Node) -> str:
        return self.source[node.start : node.end]

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(_iter_terms(self.root))


def _iter_terms(node: Node) -> Iterator[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from _iter_terms(node.child)
    else:
        for child in node.children:
            yield from _iter_terms(child)


# --------------------------------------------------------------------------------------------
# Lexer

TokKind = Literal["TERM", "AND", "OR", "NOT", "LPAREN", "RPAREN"]


@dataclass(frozen=True)
class _Tok:
    kind: TokKind
    text: str
    start: int
    end: int
    quoted: bool = False


_QUOTES = {'"': ('"', "”"), "“": ("”", '"'), "「": ("」",), "『": ("』",)}
_AMBIGUOUS = set(",，、;；")
_SPECIAL = set("()（）&＆|｜!！") | set(_QUOTES) | _AMBIGUOUS
_WORD_OPS: dict[str, TokKind] = {"and": "AND", "与": "AND", "or": "OR", "或": "OR", "not": "NOT", "非": "NOT"}


def _pos(i: int) -> int:
    return i + 1


def _lex(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif c in "(（":
            toks.append(_Tok("LPAREN", c, i, i + 1))
            i += 1
        elif c in ")）":
            toks.append(_Tok("RPAREN", c, i, i + 1))
            i += 1
        elif c in "&＆":
            j = i + 2 if src[i + 1 : i + 2] == "&" else i + 1
            toks.append(_Tok("AND", src[i:j], i, j))
            i = j
        elif c in "|｜":
            j = i + 2 if src[i + 1 : i + 2] == "|" else i + 1
            toks.append(_Tok("OR", src[i:j], i, j))
            i = j
        elif c in "!！":
            toks.append(_Tok("NOT", c, i, i + 1))
            i += 1
        elif c in _AMBIGUOUS:
            raise RuleSyntaxError(
                _("Character {pos}: '{char}' is ambiguous in a rule; join keywords with AND or OR.").format(
                    pos=_pos(i), char=c
                ),
                _pos(i),
            )
        elif c in _QUOTES:
            closers = _QUOTES[c]
            j = i + 1
            while j < n and src[j] not in closers:
                j += 1
            if j >= n:
                raise RuleSyntaxError(
                    _("Character {pos}: the quotation mark is never closed.").format(pos=_pos(i)), _pos(i)
                )
            phrase = src[i + 1 : j].strip()
            if not phrase:
                raise RuleSyntaxError(_("Character {pos}: the quotation is empty.").format(pos=_pos(i)), _pos(i))
            toks.append(_Tok("TERM", phrase, i, j + 1, quoted=True))
            i = j + 1
        elif c == "-":
            # '-' where a word starts is NOT; a '-' inside a word (COVID-19) belongs to the word
            toks.append(_Tok("NOT", c, i, i + 1))
            i += 1
        else:
            j = i
            while j < n and not src[j].isspace() and src[j] not in _SPECIAL:
                j += 1
            word = src[i:j]
            kind = _WORD_OPS.get(word.casefold())
            toks.append(_Tok(kind, word, i, j) if kind else _Tok("TERM", word, i, j))
            i = j
    return toks


# --------------------------------------------------------------------------------------------
# Parser (recursive descent): or := and (OR and)* ; and := unary (AND? unary)* ;
# unary := NOT unary | primary ; primary := '(' or ')' | TERM


class _Parser:
    def __init__(self, src: str, toks: list[_Tok]) -> None:
        self.src = src
        self.toks = toks
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def end_pos(self) -> int:
        return _pos(len(self.src.rstrip()))

    def _need_right_operand(self, op: _Tok) -> None:
        nxt = self.peek()
        if nxt is None or nxt.kind in ("RPAREN", "AND", "OR"):
            raise RuleSyntaxError(
                _("Character {pos}: '{op}' has no keyword after it.").format(pos=_pos(op.start), op=op.text),
                _pos(op.start),
            )

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            self._need_right_operand(tok)
            items.append(self.parse_and())
        if len(items) == 1:
            return items[0]
        flat: list[Node] = []
        for it in items:
            flat.extend(it.children if isinstance(it, Or) else (it,))
        return Or(tuple(flat), items[0].start, items[-1].end)

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while (tok := self.peek()) is not None and tok.kind in ("AND", "NOT", "TERM", "LPAREN"):
            if tok.kind == "AND":
                self.take()
                self._need_right_operand(tok)
            items.append(self.parse_unary())
        if len(items) == 1:
            return items[0]
        flat: list[Node] = []
        for it in items:
            flat.extend(it.children if isinstance(it, And) else (it,))
        return And(tuple(flat), items[0].start, items[-1].end)

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "NOT":
            self.take()
            self._need_right_operand(tok)
            child = self.parse_unary()
            return Not(child, tok.start, child.end)
        return self.parse_primary()

    def parse_primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise RuleSyntaxError(
                _("Character {pos}: a keyword is missing at the end of the rule.").format(pos=self.end_pos()),
                self.end_pos(),
            )
        if tok.kind == "TERM":
            self.take()
            return Term(tok.text, tok.start, tok.end, tok.quoted)
        if tok.kind == "LPAREN":
            self.take()
            inner_tok = self.peek()
            if inner_tok is not None and inner_tok.kind == "RPAREN":
                raise RuleSyntaxError(
                    _("Character {pos}: the parentheses are empty.").format(pos=_pos(tok.start)), _pos(tok.start)
                )
            inner = self.parse_or()
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                where = _pos(close.start) if close is not None else self.end_pos()
                raise RuleSyntaxError(
                    _("Character {pos}: missing closing parenthesis (opened at character {open}).").format(
                        pos=where, open=_pos(tok.start)
                    ),
                    where,
                )
            self.take()
            return _with_span(inner, tok.start, close.end)
        if tok.kind == "RPAREN":
            raise RuleSyntaxError(
                _("Character {pos}: closing parenthesis without an opening one.").format(pos=_pos(tok.start)),
                _pos(tok.start),
            )
        raise RuleSyntaxError(
            _("Character {pos}: '{op}' has no keyword before it.").format(pos=_pos(tok.start), op=tok.text),
            _pos(tok.start),
        )


def _with_span(node: Node, start: int, end: int) -> Node:
    """A parenthesised group: its span includes the parentheses (for explanations)."""
    if isinstance(node, And):
        return And(node.children, start, end)
    if isinstance(node, Or):
        return Or(node.children, start, end)
    return node


@functools.lru_cache(maxsize=512)
def parse(source: str) -> Rule:
    """Parse a rule; raises ``RuleSyntaxError`` with a translated message naming the position."""
    if len(source) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(
            _("The rule is longer than {limit} characters; split it into several rules.").format(
                limit=MAX_RULE_LENGTH
            ),
            MAX_RULE_LENGTH + 1,
        )
    toks = _lex(source)
    if not toks:
        raise RuleSyntaxError(_("The rule is empty; enter at least one keyword."), 1)
    parser = _Parser(source, toks)
    root = parser.parse_or()
    extra = parser.peek()
    if extra is not None:
        if extra.kind == "RPAREN":
            raise RuleSyntaxError(
                _("Character {pos}: closing parenthesis without an opening one.").format(pos=_pos(extra.start)),
                _pos(extra.start),
            )
        raise RuleSyntaxError(  # pragma: no cover - every other token continues an AND/OR
            _("Character {pos}: unexpected '{op}'.").format(pos=_pos(extra.start), op=extra.text), _pos(extra.start)
        )
    return Rule(source, root)


def syntax_error(source: str) -> RuleSyntaxError | None:
    """The parse error of ``source`` or None (for live validation in the editor)."""
    try:
        parse(source)
    except RuleSyntaxError as exc:
        return exc
    return None


def to_text(node: Node) -> str:
    """Canonical form of a tree (fully parenthesised, English operators) — for tests and logs."""
    if isinstance(node, Term):
        return f'"{node.text}"' if node.quoted else node.text
    if isinstance(node, Not):
        return f"NOT {to_text(node.child)}"
    op = " AND " if isinstance(node, And) else " OR "
    return "(" + op.join(to_text(c) for c in node.children) + ")"


# --------------------------------------------------------------------------------------------
# Synonyms


def norm_key(term: str) -> str:
    return unicodedata.normalize("NFKC", term).strip().casefold()


@dataclass(frozen=True)
class SynonymTable:
    """term -> equivalents, symmetric and not transitive (see module doc)."""

    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()
    _index: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, table: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]]) -> SynonymTable:
        items = table.items() if isinstance(table, Mapping) else table
        entries: list[tuple[str, tuple[str, ...]]] = []
        index: dict[str, list[str]] = {}
        for term, eqs in items:
            term = term.strip()
            eq_list = tuple(e.strip() for e in eqs if e and e.strip() and norm_key(e) != norm_key(term))
            if not term or not eq_list:
                continue
            entries.append((term, eq_list))
            for e in eq_list:
                index.setdefault(norm_key(term), [])
                if e not in index[norm_key(term)]:
                    index[norm_key(term)].append(e)
                index.setdefault(norm_key(e), [])
                if term not in index[norm_key(e)]:
                    index[norm_key(e)].append(term)
        return cls(tuple(entries), {k: tuple(v) for k, v in index.items()})

    @classmethod
    def parse(cls, text: str) -> SynonymTable:
        """Lines ``term = a, b`` (also ``：`` and ``、``/``，``/``;``); '#' starts a comment."""
        pairs: list[tuple[str, list[str]]] = []
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.match(r"^(.*?)[=＝:：](.*)$", line)
            if m is None or not m.group(1).strip() or not split_list(m.group(2)):
                raise InvalidInput(
                    _("Synonyms line {line}: write it as 'term = synonym, synonym'.").format(line=lineno)
                )
            pairs.append((m.group(1).strip(), split_list(m.group(2))))
        return cls.of(pairs)

    def equivalents(self, term: str) -> tuple[str, ...]:
        return self._index.get(norm_key(term), ())

    def __len__(self) -> int:
        return len(self.entries)


EMPTY_SYNONYMS = SynonymTable.of({})


def split_list(text: str) -> list[str]:
    """Split a cell/list written with 、，,;；/ or new lines."""
    return [p.strip() for p in re.split(r"[、，,;；/\n]+", text or "") if p.strip()]


# --------------------------------------------------------------------------------------------
# Matching


def _norm_char(c: str) -> str:
    o = ord(c)
    if 0xFF01 <= o <= 0xFF5E:
        c = chr(o - 0xFEE0)
    elif o == 0x3000:
        c = " "
    return c.lower() if c.isascii() else c


def normalise(text: str) -> str:
    """Length-preserving normalisation (full-width ASCII -> ASCII, Latin lower-cased)."""
    return "".join(_norm_char(c) for c in text)


def _is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def _is_latin(c: str) -> bool:
    return c.isascii() and c.isalpha()


@dataclass(frozen=True)
class PreparedText:
    """A text normalised and segmented once, then matched against any number of rules."""

    original: str
    norm: str
    token_starts: tuple[int, ...]  # sorted start offsets of jieba tokens (plus len(text))

    @property
    def boundaries(self) -> frozenset[int]:
        return frozenset(self.token_starts)

    def token_at(self, offset: int) -> int:
        return bisect.bisect_right(self.token_starts, offset) - 1


def prepare(text: str) -> PreparedText:
    from app.text.tokenize import tokenizer

    norm = normalise(text)
    starts = [start for _w, start, _end in tokenizer().tokenize(norm)] if norm else []
    starts.append(len(norm))
    return PreparedText(text, norm, tuple(sorted(set(starts))))


MatchKind = Literal["token", "compound"]


@dataclass(frozen=True)
class Hit:
    term: str  # the term as written in the rule
    form: str  # the form that was found (the term or a synonym)
    start: int  # character span in the original text
    end: int
    kind: MatchKind
    negated: bool = False  # found inside a NOT (an exclusion that fired or was checked)

    @property
    def found_text(self) -> str:
        return self.form


def _find_form(form: str, pt: PreparedText) -> Iterator[tuple[int, int, MatchKind]]:
    needle = normalise(unicodedata.normalize("NFKC", form)).strip()
    if not needle:
        return
    text = pt.norm
    bounds = pt.boundaries
    i = text.find(needle)
    while i >= 0:
        j = i + len(needle)
        ok = True
        # Latin/digit edges: must not continue a Latin word (or a number)
        first, last = needle[0], needle[-1]
        if _is_latin(first) and i > 0 and _is_latin(text[i - 1]):
            ok = False
        if first.isdigit() and i > 0 and text[i - 1].isdigit():
            ok = False
        if _is_latin(last) and j < len(text) and _is_latin(text[j]):
            ok = False
        if last.isdigit() and j < len(text) and text[j].isdigit():
            ok = False
        kind: MatchKind = "token"
        if ok:
            start_aligned = (not _is_cjk(first)) or i in bounds
            end_aligned = (not _is_cjk(last)) or j in bounds
            if not (start_aligned and end_aligned):
                same_token = pt.token_at(i) == pt.token_at(j - 1)
                if not same_token and not start_aligned and not end_aligned:
                    ok = False
                kind = "compound"
        if ok:
            yield i, j, kind
        i = text.find(needle, i + 1)


def find_term(term: str, pt: PreparedText, synonyms: SynonymTable = EMPTY_SYNONYMS) -> tuple[Hit, ...]:
    """Every place ``term`` or one of its equivalents occurs; overlaps keep the longest hit."""
    found: list[Hit] = []
    for form in (term, *synonyms.equivalents(term)):
        for i, j, kind in _find_form(form, pt):
            found.append(Hit(term, form, i, j, kind))
    found.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for h in found:
        if kept and h.start < kept[-1].end:
            continue
        kept.append(h)
    return tuple(kept)


# --------------------------------------------------------------------------------------------
# Evaluation with explanation

NodeKind = Literal["term", "and", "or", "not"]


@dataclass(frozen=True)
class NodeResult:
    kind: NodeKind
    expression: str  # the sub-expression as written in the rule
    start: int  # span in the rule source (to underline it in the editor)
    end: int
    matched: bool
    hits: tuple[Hit, ...] = ()  # for a term: where it (or a synonym) was found
    children: tuple[NodeResult, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    rule: str
    matched: bool
    root: NodeResult
    hits: tuple[Hit, ...]  # positive terms found (for highlighting), sorted by position
    excluded_hits: tuple[Hit, ...]  # terms under NOT that were found
    failed: tuple[NodeResult, ...]  # the sub-expressions that made the rule fail

    def reasons(self) -> list[str]:
        """Why the rule failed, one translated sentence per failing sub-expression."""
        out: list[str] = []
        for node in self.failed:
            if node.kind == "not":
                hits = [h for h in _all_hits(node)]
                where = "、".join(
                    _("'{text}' at {start}–{end}").format(text=h.form, start=h.start + 1, end=h.end) for h in hits
                )
                out.append(_("Excluded term found: {expression} ({where})").format(expression=node.expression,
                                                                                   where=where))
            else:
                out.append(_("Not found: {expression}").format(expression=node.expression))
        return out

    def summary(self) -> str:
        if self.matched:
            terms = "、".join(dict.fromkeys(h.term for h in self.hits))
            return _("Matches: {terms}").format(terms=terms) if terms else _("Matches.")
        return "；".join(self.reasons())


def _all_hits(res: NodeResult) -> Iterator[Hit]:
    yield from res.hits
    for c in res.children:
        yield from _all_hits(c)


def _eval(rule: Rule, node: Node, pt: PreparedText, syn: SynonymTable, negated: bool) -> NodeResult:
    expr = rule.text_of(node)
    if isinstance(node, Term):
        hits = tuple(
            Hit(h.term, h.form, h.start, h.end, h.kind, negated) for h in find_term(node.text, pt, syn)
        )
        return NodeResult("term", expr, node.start, node.end, bool(hits), hits)
    if isinstance(node, Not):
        child = _eval(rule, node.child, pt, syn, not negated)
        return NodeResult("not", expr, node.start, node.end, not child.matched, (), (child,))
    children = tuple(_eval(rule, c, pt, syn, negated) for c in node.children)
    if isinstance(node, And):
        return NodeResult("and", expr, node.start, node.end, all(c.matched for c in children), (), children)
    return NodeResult("or", expr, node.start, node.end, any(c.matched for c in children), (), children)


def _failing(res: NodeResult) -> list[NodeResult]:
    if res.matched:
        return []
    if res.kind == "and":
        out: list[NodeResult] = []
        for c in res.children:
            out.extend(_failing(c))
        return out
    return [res]


def evaluate(rule: Rule | str, text: str | PreparedText, synonyms: SynonymTable = EMPTY_SYNONYMS) -> Evaluation:
    """Match a rule against a text; the result says which terms matched where and what failed."""
    rule = parse(rule) if isinstance(rule, str) else rule
    pt = text if isinstance(text, PreparedText) else prepare(text)
    root = _eval(rule, rule.root, pt, synonyms, False)
    hits = sorted((h for h in _all_hits(root) if not h.negated), key=lambda h: (h.start, h.end))
    excluded = sorted((h for h in _all_hits(root) if h.negated), key=lambda h: (h.start, h.end))
    return Evaluation(rule.source, root.matched, root, tuple(hits), tuple(excluded), tuple(_failing(root)))


# --------------------------------------------------------------------------------------------
# Vocabulary check


@dataclass(frozen=True)
class VocabularyWarning:
    term: str
    position: int  # 1-based character in the rule

    @property
    def message(self) -> str:
        return _(
            "Character {pos}: '{term}' is not in the professional vocabulary; check the spelling or add it "
            "to the hospital's own terms."
        ).format(pos=self.position, term=self.term)


@functools.lru_cache(maxsize=1)
def _professional_vocabulary() -> frozenset[str]:
    from app.text.lexicon import own_terms_path, professional_terms, read_term_file

    words = {norm_key(t) for t in professional_terms()}
    if own_terms_path().exists():  # terms with spaces never reach the jieba dictionary
        words.update(norm_key(t) for t, _tag in read_term_file(own_terms_path()))
    return frozenset(words)


def vocabulary_warnings(
    rule: Rule | str,
    synonyms: SynonymTable = EMPTY_SYNONYMS,
    vocabulary: Collection[str] | None = None,
) -> tuple[VocabularyWarning, ...]:
    """Terms that neither themselves nor any synonym are in the professional vocabulary (warnings)."""
    rule = parse(rule) if isinstance(rule, str) else rule
    vocab = _professional_vocabulary() if vocabulary is None else frozenset(norm_key(v) for v in vocabulary)
    out: list[VocabularyWarning] = []
    seen: set[str] = set()
    for term in rule.terms:
        key = norm_key(term.text)
        if key in seen:
            continue
        seen.add(key)
        forms = (term.text, *synonyms.equivalents(term.text))
        if not any(norm_key(f) in vocab for f in forms):
            out.append(VocabularyWarning(term.text, _pos(term.start)))
    return tuple(out)
