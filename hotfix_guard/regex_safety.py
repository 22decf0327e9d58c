"""Refuse regular expressions that can backtrack catastrophically, before they run on every commit.

Python's `re` backtracks: a pattern such as `(a+)+$` takes exponential time on a line of
`a`s that does not end as it wants, and a config's pattern runs in the commit-msg hook on
every commit. `hazard` is a small scanner over the pattern text (no private `re`
internals) that is deliberately conservative: it may refuse a safe pattern, and then it
names the part to rewrite. It finds:

1. a repeated group (`*`, `+`, `{n,}`, `{n,m}` with m > 1) that can match the empty string;
2. a repeated group whose alternatives can start with the same character, `(a|aa)+`;
3. inside a repeated group, a part of variable length that can also match the character
   that comes after it (the next part, or the start of the next repetition): `(a+)+`,
   `(\\w+\\s?)*`; `(-[a-z0-9]+)*` is fine, since `[a-z0-9]+` cannot match the `-`;
4. two unbounded parts that can match the same text next to each other: `\\s*\\s*`, `.*.*`
   (each pair costs another factor of the text's length);
5. a variable part that can hand characters on to a later variable part which can still fail
   (something that can fail follows it): `.*:.*!`, `.*a.*a.*b`. Rules 4 and 5 bound the degree:
   one start of a search costs at most a number of steps in proportion to the text's length,
   so a whole search at worst its square (`[^:]*:.*!` and `.*:.*` are fine).

Possessive quantifiers (`a*+`) and atomic groups (`(?>...)`) never backtrack into what they
matched, so they count as fixed. The pattern must already compile; `hazard` only judges it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# Characters are approximated by the ASCII code points plus one stand-in for every other one.
OTHER = 128
ANY = frozenset(range(OTHER + 1))
_ASCII = frozenset(range(OTHER))
_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
_WORD = _DIGITS | frozenset(range(ord("a"), ord("z") + 1)) | frozenset(range(ord("A"), ord("Z") + 1)) | {ord("_")}
_SPACE = frozenset((9, 10, 11, 12, 13, 28, 29, 30, 31, 32))
_CLASSES = {
    "d": _DIGITS | {OTHER},
    "w": _WORD | {OTHER},
    "s": _SPACE | {OTHER},
    "D": (_ASCII - _DIGITS) | {OTHER},
    "W": (_ASCII - _WORD) | {OTHER},
    "S": (_ASCII - _SPACE) | {OTHER},
}
_CHAR_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
_ANCHOR_ESCAPES = "AbBZ"
_OCTAL = "01234567"


class Unit:
    """One part of a sequence: characters, a group, an anchor or a back-reference, repeated low..high."""

    __slots__ = ("text", "chars", "alternatives", "low", "high", "possessive", "atomic", "zero_width", "backref")

    def __init__(self) -> None:
        self.text = ""  # the unit's own text, with its quantifier, once it is parsed
        self.chars: frozenset[int] = frozenset()
        self.alternatives: list[list[Unit]] = []
        self.low = 1
        self.high: int | None = 1  # None: unbounded
        self.possessive = False
        self.atomic = False  # (?>...), and lookarounds: matched once, never backtracked into
        self.zero_width = False
        self.backref = False

    @property
    def is_group(self) -> bool:
        return bool(self.alternatives)

    @property
    def repeated(self) -> bool:
        """Repeated in a way that backtracks: more than once, and not possessive."""
        return (self.high is None or self.high > 1) and not self.possessive


def hazard(pattern: str, ignorecase: bool = False) -> str | None:
    """Why PATTERN could take exponential (or high polynomial) time, or None when it cannot."""
    flags = _inline_flags(pattern)
    parser = _Parser(pattern, ignorecase or "i" in flags, "x" in flags)
    alternatives = parser.parse()
    return _walk(alternatives) or _chained_loops(alternatives)


def _inline_flags(pattern: str) -> str:
    """Every flag letter set anywhere by `(?flags)` or `(?flags:...)`; applied to the whole
    pattern, which can only make the scan more careful."""
    letters = ""
    index = pattern.find("(?")
    while index != -1:
        end = index + 2
        while end < len(pattern) and pattern[end] in "aiLmsux-":
            end += 1
        if end > index + 2 and end < len(pattern) and pattern[end] in ":)":
            letters += pattern[index + 2 : end].split("-")[0]
        index = pattern.find("(?", index + 2)
    return letters


class _Parser:
    def __init__(self, text: str, ignorecase: bool, verbose: bool) -> None:
        self.text = text
        self.pos = 0
        self.ignorecase = ignorecase
        self.verbose = verbose

    def parse(self) -> list[list[Unit]]:
        return self._alternatives()

    def _peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def _alternatives(self) -> list[list[Unit]]:
        alternatives: list[list[Unit]] = [[]]
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == ")":
                break
            if char == "|":
                self.pos += 1
                alternatives.append([])
            elif self.verbose and char.isspace():
                self.pos += 1
            elif self.verbose and char == "#":
                newline = self.text.find("\n", self.pos)
                self.pos = len(self.text) if newline == -1 else newline + 1
            elif alternatives[-1] and self._quantifier(alternatives[-1][-1]):
                continue
            else:
                start = self.pos
                unit = self._unit()
                if unit is not None:
                    unit.text = self.text[start : self.pos]
                    alternatives[-1].append(unit)
        return alternatives

    def _quantifier(self, unit: Unit) -> bool:
        """Apply a quantifier at the current position to UNIT; False when there is none."""
        char = self._peek()
        start = self.pos
        if char in ("*", "+", "?"):
            bounds: tuple[int, int | None] = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
            self.pos += 1
        elif char == "{":
            found = _braces(self.text, self.pos)
            if found is None:
                return False
            bounds, self.pos = found
        else:
            return False
        if self._peek() == "?":
            self.pos += 1
        elif self._peek() == "+":
            self.pos += 1
            unit.possessive = True
        unit.low, unit.high = bounds
        unit.text += self.text[start : self.pos]
        return True

    def _unit(self) -> Unit | None:
        unit = Unit()
        char = self.text[self.pos]
        self.pos += 1
        if char == "(":
            return self._group(unit)
        if char == "[":
            unit.chars = self._class()
        elif char == ".":
            unit.chars = ANY
        elif char in "^$":
            unit.zero_width = True
        elif char == "\\":
            self._escape(unit)
        else:
            unit.chars = self._fold({_code(char)})
        return unit

    def _group(self, unit: Unit) -> Unit | None:
        if self._peek() == "?":
            kind = self._peek(1)
            if kind == "#":  # a comment
                end = self.text.find(")", self.pos)
                self.pos = len(self.text) if end == -1 else end + 1
                return None
            if kind == "P" and self._peek(2) == "=":  # (?P=name): a back-reference
                end = self.text.find(")", self.pos)
                self.pos = len(self.text) if end == -1 else end + 1
                unit.backref = True
                unit.chars = ANY
                return unit
            if kind == "P" and self._peek(2) == "<":
                self.pos = self.text.find(">", self.pos) + 1
            elif kind in ("=", "!"):
                self.pos += 2
                unit.zero_width = unit.atomic = True
            elif kind == "<" and self._peek(2) in ("=", "!"):
                self.pos += 3
                unit.zero_width = unit.atomic = True
            elif kind == ">":
                self.pos += 2
                unit.atomic = True
            elif kind == "(":  # (?(id)yes|no): the condition, then the branches
                self.pos = self.text.find(")", self.pos + 2) + 1
            else:  # (?:...), (?flags:...), or a global (?flags)
                end = self.pos + 1
                while end < len(self.text) and self.text[end] not in ":)":
                    end += 1
                if end < len(self.text) and self.text[end] == ")":
                    self.pos = end + 1
                    return None
                self.pos = end + 1
        unit.alternatives = self._alternatives()
        self.pos += 1  # the closing parenthesis
        return unit

    def _escape(self, unit: Unit) -> None:
        char = self._peek()
        if char in _ANCHOR_ESCAPES:
            self.pos += 1
            unit.zero_width = True
        elif char in "123456789" and not self._octal_ahead():
            self.pos += 2 if self._peek(1).isdigit() else 1
            unit.backref = True
            unit.chars = ANY
        else:
            unit.chars = self._fold(self._escaped_chars())

    def _octal_ahead(self) -> bool:
        return len(self.text) >= self.pos + 3 and all(c in _OCTAL for c in self.text[self.pos : self.pos + 3])

    def _escaped_chars(self) -> frozenset[int]:
        """The characters `\\X` stands for (the position is just after the backslash)."""
        char = self._peek()
        self.pos += 1
        if char in _CLASSES:
            return _CLASSES[char]
        if char in _CHAR_ESCAPES:
            return frozenset({_CHAR_ESCAPES[char]})
        if char in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[char]
            digits = self.text[self.pos : self.pos + width]
            self.pos += width
            return frozenset({_code(chr(int(digits, 16)))})
        if char == "N":  # \N{NAME}: some named character
            self.pos = self.text.find("}", self.pos) + 1
            return ANY
        if char in _OCTAL:
            end = self.pos
            while end < len(self.text) and end < self.pos + 2 and self.text[end] in _OCTAL:
                end += 1
            value = int(char + self.text[self.pos : end], 8)
            self.pos = end
            return frozenset({_code(chr(value))})
        return frozenset({_code(char)})

    def _class(self) -> frozenset[int]:
        """A `[...]` set (the position is just after the bracket)."""
        negate = self._peek() == "^"
        if negate:
            self.pos += 1
        chars: set[int] = set()
        first = True
        while self.pos < len(self.text) and (self._peek() != "]" or first):
            first = False
            low = self._class_item()
            if self._peek() == "-" and self._peek(1) not in ("]", "") and len(low) == 1:
                self.pos += 1
                high = self._class_item()
                chars |= _span(min(low), max(high) if len(high) == 1 else OTHER)
            else:
                chars |= low
        self.pos += 1
        folded = self._fold(chars)
        return (_ASCII - folded) | {OTHER} if negate else folded

    def _class_item(self) -> frozenset[int]:
        char = self._peek()
        self.pos += 1
        if char != "\\":
            return frozenset({_code(char)})
        if self._peek() == "b":  # in a set, \b is a backspace
            self.pos += 1
            return frozenset({8})
        return self._escaped_chars()

    def _fold(self, chars: set[int] | frozenset[int]) -> frozenset[int]:
        if not self.ignorecase:
            return frozenset(chars)
        folded = set(chars)
        for code in chars:
            if code < OTHER and chr(code).isalpha():
                folded |= {ord(chr(code).lower()), ord(chr(code).upper()), OTHER}  # and the Kelvin sign...
        return frozenset(folded)


def _union(sets: Iterable[frozenset[int]]) -> frozenset[int]:
    found: frozenset[int] = frozenset()
    for chars in sets:
        found |= chars
    return found


def _code(char: str) -> int:
    return ord(char) if ord(char) < OTHER else OTHER


def _span(low: int, high: int) -> frozenset[int]:
    if high >= OTHER:
        return frozenset(range(low, OTHER)) | {OTHER}
    return frozenset(range(low, high + 1))


def _braces(text: str, pos: int) -> tuple[tuple[int, int | None], int] | None:
    """`{n}`, `{n,}`, `{,m}`, `{n,m}` at POS: ((low, high), end); None when it is a literal `{`."""
    end = text.find("}", pos)
    if end == -1:
        return None
    inside = text[pos + 1 : end]
    low, comma, high = inside.partition(",")
    if not (low.isdigit() or (comma and not low)) or (high and not high.isdigit()) or not (low or comma):
        return None
    if not comma:
        return (int(low), int(low)), end + 1
    return (int(low or 0), int(high) if high else None), end + 1


# --- the analysis -------------------------------------------------------------------


def _nullable(unit: Unit) -> bool:
    if unit.zero_width or unit.backref or unit.low == 0:
        return True
    return unit.is_group and any(all(_nullable(part) for part in alternative) for alternative in unit.alternatives)


def _first(unit: Unit) -> frozenset[int]:
    """The characters a match of UNIT can start with."""
    if unit.zero_width:
        return frozenset()
    if unit.is_group:
        return _union(_first_of(alternative) for alternative in unit.alternatives)
    return unit.chars


def _first_of(units: list[Unit]) -> frozenset[int]:
    found: frozenset[int] = frozenset()
    for unit in units:
        found |= _first(unit)
        if not _nullable(unit):
            break
    return found


def _alphabet(unit: Unit) -> frozenset[int]:
    """Every character UNIT can match."""
    if unit.zero_width:
        return frozenset()
    if unit.is_group:
        return _union(_alphabet(part) for alternative in unit.alternatives for part in alternative)
    return unit.chars


def _width(units: list[Unit]) -> int | None:
    """The one length every match of UNITS has, or None when it can vary."""
    total = 0
    for unit in units:
        if unit.zero_width:
            continue
        if unit.backref or unit.low != unit.high:
            return None
        if unit.is_group:
            widths = {_width(alternative) for alternative in unit.alternatives}
            if len(widths) != 1 or None in widths:
                return None
            inner = widths.pop()
            assert inner is not None
            total += inner * unit.low
        else:
            total += unit.low
    return total


def _variable(unit: Unit) -> bool:
    """Whether backtracking can give UNIT's match a different length."""
    if unit.zero_width or unit.atomic or unit.possessive:
        return False
    return _width([unit]) is None


def _walk(alternatives: list[list[Unit]]) -> str | None:
    """Rules 1 to 4 over a part of the pattern that is not itself repeated."""
    for sequence in alternatives:
        reason = _adjacent_loops(sequence)
        if reason:
            return reason
        for unit in sequence:
            if not unit.is_group:
                continue
            reason = _check_repeated(unit) if unit.repeated and not unit.atomic else _walk(unit.alternatives)
            if reason:
                return reason
    return None


def _check_repeated(group: Unit) -> str | None:
    """Rules 1 to 3 for a repeated group: every repetition must match in one way only."""
    if any(all(_nullable(part) for part in alternative) for alternative in group.alternatives):
        return f"the repeated group {group.text!r} can match the empty string"
    return _deterministic(group, group.alternatives, _first(group))


def _deterministic(group: Unit, alternatives: list[list[Unit]], after: frozenset[int]) -> str | None:
    """Why ALTERNATIVES, followed by one of the characters AFTER, could match a text in more than
    one way (each way is another path to backtrack through), or None when there is one way only."""
    if len(alternatives) > 1:
        if any(all(_nullable(part) for part in alternative) for alternative in alternatives):
            return f"in the repeated group {group.text!r}, an alternative can match the empty string"
        firsts = [_first_of(alternative) for alternative in alternatives]
        for index, first in enumerate(firsts):
            if any(first & other for other in firsts[index + 1 :]):
                return f"the alternatives in the repeated group {group.text!r} can start with the same character"
    for sequence in alternatives:
        reason = _adjacent_loops(sequence) or _deterministic_sequence(group, sequence, after)
        if reason:
            return reason
    return None


def _deterministic_sequence(group: Unit, sequence: list[Unit], after: frozenset[int]) -> str | None:
    """Where a variable part ends must be fixed by what follows it, which it cannot match."""
    for index, unit in enumerate(sequence):
        rest = sequence[index + 1 :]
        follows = _first_of(rest) | (after if all(_nullable(part) for part in rest) else frozenset())
        if unit.atomic or unit.possessive:
            reason = _walk(unit.alternatives) if unit.is_group else None
        elif _variable(unit) and _alphabet(unit) & follows:
            return f"in the repeated group {group.text!r}, {unit.text!r} can also match what follows it"
        elif unit.is_group and unit.repeated:
            reason = _check_repeated(unit)
        elif unit.is_group:
            reason = _deterministic(group, unit.alternatives, follows)
        else:
            reason = None
        if reason:
            return reason
    return None


def _adjacent_loops(sequence: list[Unit]) -> str | None:
    """Rule 4: where one unbounded part ends, another must not be able to take over its characters."""
    for index in range(len(sequence) - 1):
        tail, tail_unit = _tail_loops(sequence[: index + 1])
        head, head_unit = _head_loops(sequence[index + 1 :])
        if tail & head and tail_unit is not None and head_unit is not None:
            return f"{tail_unit.text!r} and {head_unit.text!r} can match the same text next to each other"
    return None


def _tail_loops(sequence: list[Unit]) -> tuple[frozenset[int], Unit | None]:
    """The characters an unbounded part at the end of SEQUENCE can end its match with."""
    found: frozenset[int] = frozenset()
    which = None
    for unit in reversed(sequence):
        chars = _loop_chars(unit, last=True)
        if chars:
            found, which = found | chars, which or unit
        if not _nullable(unit):
            break
    return found, which


def _head_loops(sequence: list[Unit]) -> tuple[frozenset[int], Unit | None]:
    found: frozenset[int] = frozenset()
    which = None
    for unit in sequence:
        chars = _loop_chars(unit, last=False)
        if chars:
            found, which = found | chars, which or unit
        if not _nullable(unit):
            break
    return found, which


def _loop_chars(unit: Unit, last: bool) -> frozenset[int]:
    if unit.zero_width or unit.atomic or unit.possessive:
        return frozenset()
    if unit.high is None:
        if not unit.is_group:
            return unit.chars
        return _union(_edge(alternative, last) for alternative in unit.alternatives)
    if unit.is_group:
        loops = (
            _tail_loops(alternative)[0] if last else _head_loops(alternative)[0] for alternative in unit.alternatives
        )
        return _union(loops)
    return frozenset()


def _edge(sequence: list[Unit], last: bool) -> frozenset[int]:
    """The characters SEQUENCE can start (or, with LAST, end) its match with."""
    if not last:
        return _first_of(sequence)
    found: frozenset[int] = frozenset()
    for unit in reversed(sequence):
        found |= _last(unit)
        if not _nullable(unit):
            break
    return found


def _last(unit: Unit) -> frozenset[int]:
    if unit.zero_width:
        return frozenset()
    if unit.is_group:
        return _union(_edge(alternative, True) for alternative in unit.alternatives)
    return unit.chars


# --- rule 5: the degree of the polynomial ---------------------------------------------------


def _chained_loops(alternatives: list[list[Unit]]) -> str | None:
    """Rule 5: no variable part may hand characters on to a later one that can still fail.

    The parts that can vary in length are listed in the pattern's order. One hands text on to a
    later one when it can match the later one's first character and every part that must match
    between them: in `.*:.*!` the first `.*` can end at any `:`, and for each such end the second
    `.*` tries every length before `!` fails, n*n steps for each of the n places a search starts.
    `[^:]*:.*!` is fine (`[^:]*` must stop at the first `:`), and so is `.*:.*` (the last `.*`
    cannot fail: nothing that can fail follows it). With this rule, each start of a search costs
    at most a number of steps in proportion to the text's length, and a whole search its square.
    """
    items = _flatten(alternatives, required=True)
    for later, (kind, _chars, unit) in enumerate(items):
        if kind != "loop" or _cannot_fail_after(items, later):
            continue
        for earlier in range(later):
            if items[earlier][0] == "loop" and _hands_on(items, earlier, later):
                return (
                    f"{items[earlier][2].text!r} can match what {unit.text!r} after it does, and both can backtrack: "
                    f"the time grows with the cube of the text's length; make one unable to match what follows it "
                    f"(e.g. [^:]* instead of .* before a ':')"
                )
    return None


_Item = tuple[str, frozenset[int], Unit]  # ("loop" | "needed" | "anchor", its characters, the unit)


def _flatten(alternatives: list[list[Unit]], required: bool) -> list[_Item]:
    """The pattern's parts in order: each variable part ("loop") with every character it can match,
    each part that must match ("needed") with its characters, and each zero-width assertion
    ("anchor"). REQUIRED is False inside an optional part or one of several alternatives, whose
    parts need not match at all."""
    items: list[_Item] = []
    several = len(alternatives) > 1
    for sequence in alternatives:
        for unit in sequence:
            items += _flatten_unit(unit, required and not several)
    return items


def _flatten_unit(unit: Unit, required: bool) -> list[_Item]:
    if unit.zero_width:
        return [("anchor", frozenset(), unit)]
    if unit.backref:
        return [("loop", ANY, unit)]
    if unit.atomic or unit.possessive or not _variable(unit):
        return [("needed", _alphabet(unit), unit)] if required and unit.low > 0 else []
    if unit.high is None or unit.high > 1 or not unit.is_group:
        return [("loop", _alphabet(unit), unit)]
    return _flatten(unit.alternatives, required and unit.low > 0)


def _cannot_fail_after(items: list[_Item], index: int) -> bool:
    """Whether everything after the loop at INDEX matches whatever follows (loops that may match nothing)."""
    return all(kind == "loop" and unit.low == 0 and not unit.backref for kind, _chars, unit in items[index + 1 :])


def _hands_on(items: list[_Item], earlier: int, later: int) -> bool:
    """Whether the loop at EARLIER can take over characters up to and into the loop at LATER."""
    chars = items[earlier][1]
    after = next(unit for kind, _chars, unit in items[earlier + 1 :] if kind != "anchor")
    if not chars & _first(items[later][2]) or not _last(items[earlier][2]) & _first(after):
        return False
    return all(kind != "needed" or chars & needed for kind, needed, _unit in items[earlier + 1 : later])
