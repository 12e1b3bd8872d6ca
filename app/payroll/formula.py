"""A small, safe expression language for custom pay items — our own tokenizer and parser, no eval.

Grammar (Chinese operators and full-width punctuation are accepted too)::

    expr    := or
    or      := and ("or" and)*                     also: ||
    and     := not ("and" not)*                    also: &&
    not     := "not" not | compare
    compare := sum (("<"|"<="|">"|">="|"=="|"!="|"≤"|"≥"|"≠") sum)?
    sum     := term (("+"|"-"|"−") term)*
    term    := unary (("*"|"/"|"×"|"÷") unary)*
    unary   := ("-"|"+") unary | atom
    atom    := NUMBER | NUMBER "%" | NAME | NAME "(" args ")" | "(" expr ")"

Functions: ``min(a, b, ...)``, ``max(a, b, ...)``, ``round(x)`` / ``round(x, n)`` (half-up, default
2 decimals), ``abs(x)``, ``if(cond, a, b)`` (only the chosen branch is evaluated). Comparisons give
1 or 0. Names are pay-item codes/names and inputs such as 夜班数 or 出勤系数. Everything is Decimal.
Nothing else exists: no attributes, strings, subscripts or imports, so ``__import__("os")`` is just
an unknown name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation

from app.errors import InvalidInput
from app.i18n import _

MAX_LENGTH = 2000
MAX_DEPTH = 60
FUNCTIONS = ("min", "max", "round", "abs", "if")
KEYWORDS = ("and", "or", "not")

_TRANSLATE = str.maketrans(
    {"×": "*", "÷": "/", "−": "-", "（": "(", "）": ")", "，": ",", "≤": "≤", "≥": "≥", "％": "%", "　": " "}
)


class FormulaError(InvalidInput):
    """A formula cannot be parsed, refers to unknown names, loops, or divides by zero."""


# ---------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]


Node = Num | Name | Unary | Binary | Call


@dataclass(frozen=True)
class Token:
    kind: str  # num, name, op, end
    text: str
    pos: int


# ---------------------------------------------------------------- tokenizer

_OPS2 = ("<=", ">=", "==", "!=", "&&", "||")
_OPS1 = "+-*/(),<>%≤≥≠"


def _is_name_start(ch: str) -> bool:
    return ch == "_" or unicodedata.category(ch)[0] == "L"


def _is_name_char(ch: str) -> bool:
    return _is_name_start(ch) or unicodedata.category(ch) in ("Nd", "Mn", "Mc")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch.isdigit() and ch.isascii() or ch == "." and i + 1 < n and text[i + 1].isdigit():
            j = i
            while j < n and (text[j].isascii() and text[j].isdigit() or text[j] == "."):
                j += 1
            literal = text[i:j]
            if literal.count(".") > 1:
                raise FormulaError(_("Bad number {text} at position {pos}.").format(text=literal, pos=i + 1))
            tokens.append(Token("num", literal, i))
            i = j
            continue
        if _is_name_start(ch):
            j = i + 1
            while j < n and _is_name_char(text[j]):
                j += 1
            tokens.append(Token("name", text[i:j], i))
            i = j
            continue
        if text[i : i + 2] in _OPS2:
            tokens.append(Token("op", text[i : i + 2], i))
            i += 2
            continue
        if ch in _OPS1:
            tokens.append(Token("op", ch, i))
            i += 1
            continue
        raise FormulaError(
            _("Unexpected character {char} at position {pos}.").format(char=repr(ch), pos=i + 1)
        )
    tokens.append(Token("end", "", n))
    return tokens


# ---------------------------------------------------------------- parser

_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!=", "≤": "<=", "≥": ">=", "≠": "!="}


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def accept(self, *texts: str) -> Token | None:
        t = self.tok
        if t.kind in ("op", "name") and t.text in texts:
            self.i += 1
            return t
        return None

    def expect(self, text: str) -> None:
        if not self.accept(text):
            self.error(_("expected {what}").format(what=repr(text)))

    def error(self, what: str) -> None:
        t = self.tok
        found = t.text if t.kind != "end" else _("the end of the formula")
        raise FormulaError(
            _("Formula error at position {pos} (near {found}): {what}.").format(pos=t.pos + 1, found=found, what=what)
        )

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.error(_("the formula is nested too deeply"))

    def parse(self) -> Node:
        node = self.or_()
        if self.tok.kind != "end":
            self.error(_("unexpected text"))
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.accept("or", "||"):
            node = Binary("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.accept("and", "&&"):
            node = Binary("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.accept("not"):
            self.enter()
            node: Node = Unary("not", self.not_())
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        node = self.sum_()
        t = self.tok
        if t.kind == "op" and t.text in _COMPARE:
            self.take()
            node = Binary(_COMPARE[t.text], node, self.sum_())
            t2 = self.tok
            if t2.kind == "op" and t2.text in _COMPARE:
                self.error(_("chained comparisons are not allowed; use and"))
        return node

    def sum_(self) -> Node:
        node = self.term()
        while True:
            t = self.accept("+", "-")
            if not t:
                return node
            node = Binary(t.text, node, self.term())

    def term(self) -> Node:
        node = self.unary()
        while True:
            t = self.accept("*", "/")
            if not t:
                return node
            node = Binary(t.text, node, self.unary())

    def unary(self) -> Node:
        t = self.accept("-", "+")
        if t:
            self.enter()
            node: Node = Unary(t.text, self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.take()
            value = Decimal(t.text)
            if self.accept("%"):
                value = value / 100
            return Num(value)
        if t.kind == "name":
            if t.text in KEYWORDS:
                self.error(_("unexpected keyword"))
            self.take()
            if self.accept("("):
                if t.text not in FUNCTIONS:
                    raise FormulaError(
                        _("Unknown function {name}; available: {functions}.").format(
                            name=t.text, functions=", ".join(FUNCTIONS)
                        )
                    )
                self.enter()
                args: list[Node] = []
                if not self.accept(")"):
                    args.append(self.or_())
                    while self.accept(","):
                        args.append(self.or_())
                    self.expect(")")
                self.depth -= 1
                _check_arity(t.text, len(args))
                return Call(t.text, tuple(args))
            return Name(t.text)
        if self.accept("("):
            self.enter()
            node = self.or_()
            self.expect(")")
            self.depth -= 1
            return node
        self.error(_("expected a number, a name or a bracket"))
        raise AssertionError  # pragma: no cover


def _check_arity(func: str, n: int) -> None:
    ok = {"min": n >= 1, "max": n >= 1, "abs": n == 1, "round": n in (1, 2), "if": n == 3}[func]
    if not ok:
        raise FormulaError(_("Wrong number of arguments for {name}().").format(name=func))


def parse(text: str) -> Node:
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(_("The formula is empty."))
    if len(text) > MAX_LENGTH:
        raise FormulaError(_("The formula is longer than {n} characters.").format(n=MAX_LENGTH))
    return _Parser(tokenize(text.translate(_TRANSLATE))).parse()


def names(node: Node) -> set[str]:
    """All names a formula refers to."""
    found: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            found.add(n.name)
        elif isinstance(n, Unary):
            stack.append(n.operand)
        elif isinstance(n, Binary):
            stack.extend((n.left, n.right))
        elif isinstance(n, Call):
            stack.extend(n.args)
    return found


# ---------------------------------------------------------------- evaluation

ONE, ZERO_D = Decimal(1), Decimal(0)


def _round(x: Decimal, places: Decimal | None) -> Decimal:
    p = 2 if places is None else int(places)
    if p < 0 or p > 6 or places is not None and places != p:
        raise FormulaError(_("round() takes 0 to 6 decimal places."))
    return x.quantize(Decimal(1).scaleb(-p), rounding=ROUND_HALF_UP)


def evaluate(node: Node, lookup: Callable[[str], Decimal]) -> Decimal:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        return lookup(node.name)
    if isinstance(node, Unary):
        v = evaluate(node.operand, lookup)
        if node.op == "-":
            return -v
        if node.op == "not":
            return ONE if v == 0 else ZERO_D
        return v
    if isinstance(node, Binary):
        op = node.op
        if op == "and":
            return ONE if evaluate(node.left, lookup) != 0 and evaluate(node.right, lookup) != 0 else ZERO_D
        if op == "or":
            return ONE if evaluate(node.left, lookup) != 0 or evaluate(node.right, lookup) != 0 else ZERO_D
        a, b = evaluate(node.left, lookup), evaluate(node.right, lookup)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise FormulaError(_("Division by zero in the formula."))
            try:
                return a / b
            except (DivisionByZero, InvalidOperation) as exc:  # pragma: no cover - guarded above
                raise FormulaError(_("Division by zero in the formula.")) from exc
        result = {
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
            "==": a == b,
            "!=": a != b,
        }[op]
        return ONE if result else ZERO_D
    assert isinstance(node, Call)
    f = node.func
    if f == "if":
        cond = evaluate(node.args[0], lookup)
        return evaluate(node.args[1] if cond != 0 else node.args[2], lookup)
    values = [evaluate(a, lookup) for a in node.args]
    if f == "min":
        return min(values)
    if f == "max":
        return max(values)
    if f == "abs":
        return abs(values[0])
    return _round(values[0], values[1] if len(values) > 1 else None)


def _fold(node: Node) -> Decimal | None:
    """Value of a sub-expression without names, else None. Raises on division by a constant zero."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        return None
    if isinstance(node, Unary):
        v = _fold(node.operand)
        return None if v is None else evaluate(Unary(node.op, Num(v)), _no_names)
    if isinstance(node, Binary):
        a, b = _fold(node.left), _fold(node.right)
        if node.op == "/" and b is not None and b == 0:
            raise FormulaError(_("Division by zero in the formula."))
        if a is None or b is None:
            return None
        return evaluate(Binary(node.op, Num(a), Num(b)), _no_names)
    folded = [_fold(a) for a in node.args]
    if node.func == "if":
        return None if any(v is None for v in folded) else evaluate(node, _no_names)
    if any(v is None for v in folded):
        return None
    return evaluate(Call(node.func, tuple(Num(v) for v in folded if v is not None)), _no_names)


def _no_names(name: str) -> Decimal:  # pragma: no cover - only called on folded nodes
    raise FormulaError(_("Unknown name {name}.").format(name=name))


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node
    refs: frozenset[str]

    def evaluate(self, values: Mapping[str, Decimal]) -> Decimal:
        def lookup(name: str) -> Decimal:
            try:
                return values[name]
            except KeyError:
                raise FormulaError(_("Unknown name {name}.").format(name=name)) from None

        return evaluate(self.tree, lookup)


def compile_formula(text: str, known: Iterable[str] | None = None) -> Formula:
    """Parse and check one formula: syntax, unknown names (when ``known`` is given), constant ÷ 0."""
    tree = parse(text)
    _fold(tree)
    refs = frozenset(names(tree))
    if known is not None:
        known_set = set(known)
        unknown = sorted(refs - known_set)
        if unknown:
            raise FormulaError(
                _("Unknown name {name} in the formula {formula}.").format(name=unknown[0], formula=text)
            )
    return Formula(text, tree, refs)


def dependency_order(deps: Mapping[str, Iterable[str]]) -> list[str]:
    """Order keys so every key comes after the keys it depends on (only keys of ``deps`` count).

    Raises FormulaError naming the cycle, e.g. ``a → b → a``."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for root in deps:
        if state.get(root) == 2:
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(d for d in deps[root] if d in deps))]
        path = [root]
        state[root] = 1
        while stack:
            node, pending = stack[-1]
            if pending:
                nxt = pending.pop()
                s = state.get(nxt)
                if s == 1:
                    cycle = path[path.index(nxt) :] + [nxt]
                    raise FormulaError(
                        _("The pay items refer to each other in a loop: {cycle}.").format(cycle=" → ".join(cycle))
                    )
                if s is None:
                    state[nxt] = 1
                    stack.append((nxt, sorted(d for d in deps[nxt] if d in deps)))
                    path.append(nxt)
            else:
                stack.pop()
                path.pop()
                state[node] = 2
                order.append(node)
    return order
