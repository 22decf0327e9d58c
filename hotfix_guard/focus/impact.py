"""Which tests run the changed lines, according to the coverage map of the base.

A changed line inside a function body is run by the tests the map saw run it. Code that
runs at import time (module and class statements, decorators, default arguments, a
function's header) ran before any test, so no test "covers" it; its effect reaches the
tests through the names it binds. Those are followed: the tests that run any line
mentioning a bound name (`X`, `obj.X`, `"X"`) — and, where such a line is itself
import-time code, the names that line binds, and so on. A changed def or class header
also selects the tests that run its body.

What import-time code changes without binding a name is followed like a binding: the
class of a changed class-body binding (an Enum member, a dataclass field's default), the
receiver of a module-level mutation (`ROLES["user"] = 1`, `ALLOWED.append(x)`,
`setattr(obj, "a", v)`), and, for a function that ran at import time (a decorator, a
loader called at module level) or a changed decorator, the module-level names the
function declares global or mutates. A module-level statement with no effect it can name
(a call of code outside the project) selects every test that ran any line of its file
and follows every name its module binds: when in doubt, more.
"""

from __future__ import annotations

import ast
import bisect
import functools
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeGuard

    from hotfix_guard.focus.testmap import TestMap

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_NAME_LISTS = frozenset({"__all__", "__slots__"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class Location:
    """Where a line sits: the innermost function whose body holds it (None at import-time
    level), the innermost statement holding it, and the def/class whose header holds it."""

    __slots__ = ("function", "statement", "header_of")

    def __init__(self) -> None:
        self.function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        self.statement: ast.stmt | None = None
        self.header_of: ast.stmt | None = None


@functools.lru_cache(maxsize=65536)
def locate(tree: ast.Module, line: int) -> Location:
    location = Location()
    node: ast.AST = tree
    while True:
        inner = _statement_at(node, line)
        if inner is None:
            return location
        if isinstance(inner, _DEFINITIONS) and line < _start(inner.body[0]):
            location.statement = inner
            if location.function is None:
                location.header_of = inner
            return location
        if isinstance(inner, _FUNCTIONS):
            location.function, location.statement = inner, None
        else:
            location.statement = inner
        node = inner


def _statement_at(node: ast.AST, line: int) -> ast.stmt | None:
    """The statement directly inside NODE's blocks that spans LINE, if any."""
    starts, statements = _child_statements(node)
    index = bisect.bisect_right(starts, line) - 1
    if index >= 0 and line <= _end(statements[index]):
        return statements[index]
    return None


@functools.lru_cache(maxsize=65536)
def _child_statements(node: ast.AST) -> tuple[list[int], list[ast.stmt]]:
    statements = sorted((s for block in _blocks(node) for s in block), key=_start)
    return [_start(s) for s in statements], statements


def _blocks(node: ast.AST) -> list[list[ast.stmt]]:
    blocks = [getattr(node, f) for f in ("body", "orelse", "finalbody") if isinstance(getattr(node, f, None), list)]
    blocks += [handler.body for handler in getattr(node, "handlers", ())]
    blocks += [case.body for case in getattr(node, "cases", ())]
    return [block for block in blocks if block and isinstance(block[0], ast.stmt)]


def _start(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _end(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _span(node: ast.stmt) -> range:
    return range(_start(node), _end(node) + 1)


def _own_lines(node: ast.stmt) -> range:
    """A compound statement's header lines (`if cond:`); a simple statement's every line."""
    blocks = _blocks(node)
    if not blocks:
        return _span(node)
    return range(_start(node), min(_start(block[0]) for block in blocks))


def _body_span(node: ast.stmt) -> range:
    body = node.body  # type: ignore[attr-defined]
    return range(_start(body[0]), _end(body[-1]) + 1)


def bound_names(statement: ast.stmt) -> set[str]:
    """The names an import-time statement binds (not counting function bodies)."""
    names: set[str] = set()
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, _DEFINITIONS):
            names.add(node.name)
            if isinstance(node, _FUNCTIONS):
                continue
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        stack.extend(ast.iter_child_nodes(node))
    return names


def mutated_names(statement: ast.AST, own: frozenset[str], functions: bool = False) -> set[str]:
    """The names whose objects an import-time statement changes without rebinding them:
    X in `X[k] = v`, `X.a = v`, `X[k] += 1`, `del X[k]`, `setattr(X, "a", v)` (and a), and
    in a call made for its effect, `X.append(v)` where the module binds X itself (OWN; any X
    when that call is the statement). With FUNCTIONS, what the bodies of functions defined
    inside it change too."""
    names: set[str] = set()
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, _FUNCTIONS) and not functions:
            continue
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names |= _root_name(node.value)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            function = node.value.func
            receiver = _root_name(function.value) if isinstance(function, ast.Attribute) else set()
            if receiver <= own or (node is statement and not functions):
                names |= receiver
        elif _is_setattr(node):
            names |= _root_name(node.args[0])
            attribute = node.args[1] if len(node.args) > 1 else None
            if isinstance(attribute, ast.Constant) and isinstance(attribute.value, str):
                names.add(attribute.value)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _is_setattr(node: ast.AST) -> TypeGuard[ast.Call]:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("setattr", "delattr")
        and bool(node.args)
    )


def _root_name(node: ast.expr) -> set[str]:
    """The name an expression like `X.a[k].b` starts from ({} for `f().a`)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return {node.id} if isinstance(node, ast.Name) else set()


@functools.lru_cache(maxsize=64)
def _module_names(tree: ast.Module) -> frozenset[str]:
    """The names a module binds at its top level itself (not by importing them)."""
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, _DEFINITIONS):
            names.add(statement.name)
        elif not isinstance(statement, (ast.Import, ast.ImportFrom)):
            names |= bound_names(statement)
    return frozenset(names)


def _module_effects(function: ast.FunctionDef | ast.AsyncFunctionDef, own: frozenset[str]) -> set[str]:
    """The module-level names whose objects FUNCTION (or a function it defines) changes when
    called: those it declares global or nonlocal, and those it mutates that are not its own
    locals (`REGISTRY[name] = f` in a decorator)."""
    declared, local = _scope(function)
    mutated = set().union(*(mutated_names(s, own, functions=True) for s in function.body))
    return declared | (mutated - local)


def _statement_effects(
    function: ast.FunctionDef | ast.AsyncFunctionDef, statement: ast.stmt, own: frozenset[str]
) -> set[str]:
    """What STATEMENT, in FUNCTION's body, changes at module level (see _module_effects)."""
    declared, local = _scope(function)
    return (bound_names(statement) & declared) | (mutated_names(statement, own, functions=True) - local)


@functools.lru_cache(maxsize=1024)
def _scope(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[set[str], set[str]]:
    """The names FUNCTION declares global or nonlocal, and its (and its inner functions') locals."""
    declared: set[str] = set()
    local: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared |= set(node.names)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
        elif isinstance(node, _DEFINITIONS) and node is not function:
            local.add(node.name)
    return declared, local - declared


def _inert(statement: ast.stmt) -> bool:
    """A docstring, a bare constant or `pass`: no effect to follow."""
    return isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
    )


def _called_names(node: ast.AST) -> set[str]:
    """The names of the functions NODE calls (`f(...)`, `m.f(...)`: f), outside function bodies."""
    names: set[str] = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            function = call.func
            if isinstance(function, ast.Name):
                names.add(function.id)
            elif isinstance(function, ast.Attribute):
                names.add(function.attr)
    return names


@functools.lru_cache(maxsize=64)
def _functions(tree: ast.Module) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]:
    return tuple(node for node in ast.walk(tree) if isinstance(node, _FUNCTIONS))


def _without_dunders(names: set[str]) -> set[str]:
    """NAMES but `__x__`: a class's dunder acts through its class, which is followed instead."""
    return {name for name in names if not (name.startswith("__") and name.endswith("__"))}


def _aliases_of(statement: ast.Import | ast.ImportFrom, name: str) -> set[str]:
    """What an import statement binds NAME to (`from m import name as other`: other)."""
    return {
        (alias.asname or alias.name).split(".")[0]
        for alias in statement.names
        if alias.name.rpartition(".")[2] == name or alias.name.split(".")[0] == name
    }


def _binding_counts(tree: ast.Module | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, _DEFINITIONS):
            name = node.name
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            name = node.id
        elif isinstance(node, ast.alias):
            name = (node.asname or node.name).split(".")[0]
        else:
            continue
        counts[name] = counts.get(name, 0) + 1
    return counts


def _enclosing_class_names(tree: ast.Module, node: ast.stmt) -> set[str]:
    """The classes whose body holds NODE: a method added to one changes every use of it."""
    return {c.name for c in _classes(tree) if c is not node and _start(c) <= node.lineno <= _end(c)}


@functools.lru_cache(maxsize=64)
def _classes(tree: ast.Module) -> tuple[ast.ClassDef, ...]:
    return tuple(node for node in ast.walk(tree) if isinstance(node, ast.ClassDef))


class SourceIndex:
    """Syntax trees and name references of the map's Python files, read on demand."""

    def __init__(self, read: Callable[[str], bytes | None]):
        self._read = read
        self._texts: dict[str, bytes] = {}
        self._trees: dict[str, ast.Module | None] = {}
        self._words: dict[str, dict[str, set[int]]] = {}

    def text(self, path: str) -> bytes:
        if path not in self._texts:
            self._texts[path] = self._read(path) or b""
        return self._texts[path]

    def tree(self, path: str) -> ast.Module | None:
        if path not in self._trees:
            try:
                self._trees[path] = ast.parse(self.text(path), filename=path)
            except (SyntaxError, ValueError):
                self._trees[path] = None
        return self._trees[path]

    def references(self, path: str, name: str) -> set[int]:
        """Lines of PATH that mention NAME as a word: as a name, an attribute, an imported
        name or a string (and in a comment, which can only select more)."""
        encoded = name.encode("utf-8", "surrogateescape")
        if encoded not in self.text(path):
            return set()
        if not name.isascii():  # the word index holds ASCII identifiers: look for the rest by line
            return {n for n, line in enumerate(self.text(path).split(b"\n"), start=1) if encoded in line}
        if path not in self._words:
            self._words[path] = _word_lines(self.text(path))
        return self._words[path].get(name, set())


_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def _word_lines(text: bytes) -> dict[str, set[int]]:
    """Every identifier-like word of TEXT and the lines it is on (one pass over the text)."""
    words: dict[str, set[int]] = {}
    for number, line in enumerate(text.split(b"\n"), start=1):
        for word in _WORD.findall(line):
            words.setdefault(word.decode("ascii"), set()).add(number)
    return words


class Impact:
    """The tests of a map that a change's lines reach."""

    def __init__(self, testmap: TestMap, sources: SourceIndex):
        self.map = testmap
        self.sources = sources
        self.bits = 0
        self.whole_files: set[str] = set()
        self._names: set[str] = set()
        self._followed: set[str] = set()

    def add_lines(self, path: str, lines: set[int]) -> None:
        tree = self.sources.tree(path)
        if tree is None:
            self.whole_files.add(path)
            return
        for line in sorted(lines):
            self._add_line(path, tree, line)
        self._follow_names()

    def add_new_lines(self, path: str, base_path: str, head_source: bytes, lines: set[int]) -> None:
        """Follow what the head's added import-time code binds (a constant re-assigned, a
        function re-defined, a method added to a subclass): the map knows only the base's
        lines, so new definitions reach the tests through the names they bind."""
        try:
            tree = ast.parse(head_source, filename=path)
        except (SyntaxError, ValueError):
            self.whole_files.add(base_path)
            return
        names: set[str] = set()
        own = _module_names(tree)
        for line in sorted(lines):
            location = locate(tree, line)
            statement = location.header_of or location.statement
            if statement is None:
                continue
            if location.function is not None:
                # Runtime code: the base lines around it say who runs it; what it changes
                # at module level (`global X`, `REGISTRY[k] = v`) is new.
                self._names |= _statement_effects(location.function, statement, own)
                continue
            classes = _enclosing_class_names(tree, statement)
            self._names |= classes  # a line added to a class body changes the class
            if isinstance(statement, _DEFINITIONS):
                names.add(statement.name)
                if line < statement.lineno:  # a decorator: see _add_line
                    self._names.add(statement.name)
                    self._add_effects_of_calls(statement.decorator_list)
                continue
            bound, mutated = bound_names(statement), mutated_names(statement, own)
            names |= bound
            self._names |= mutated
            if not (bound or mutated or classes or _inert(statement)):
                self._add_unknown_effect(base_path, tree, statement, None)
        # A name bound as often as at the base was changed in place, which the base's lines
        # cover; one bound more often is new, or re-defined further down.
        base_counts = _binding_counts(self.sources.tree(base_path))
        head_counts = _binding_counts(tree)
        self._names |= {name for name in names if head_counts.get(name, 0) > base_counts.get(name, 0)}
        self._follow_names()

    def _add_line(self, path: str, tree: ast.Module, line: int, followed: str | None = None) -> None:
        location = locate(tree, line)
        if followed is not None and location.function is None and self._reaches_through_map(path, location):
            return
        if location.function is not None:
            self._add_runtime_line(path, location, location.function)
        elif isinstance(location.header_of, _FUNCTIONS):
            # Defaults and the signature act when the function is called, and the tests that
            # called it ran its body; one that never ran is followed by name. A decorator acts
            # at import time: it may wrap, register or mark the function, changing what every
            # user of the name sees and what the decorator's own function keeps.
            function = location.header_of
            bits = self.map.tests_running(path, _body_span(function))
            self.bits |= bits
            decorator = line < function.lineno
            if not bits or decorator:
                self._names.add(function.name)
            if decorator:
                self._add_effects_of_calls(function.decorator_list)
        elif isinstance(location.header_of, ast.ClassDef):
            # Bases and decorators reach every use of the class, not only its own lines.
            self.bits |= self.map.tests_running(path, _span(location.header_of))
            self._names.add(location.header_of.name)
        elif location.statement is not None:
            statement = location.statement
            names = bound_names(statement) | mutated_names(statement, _module_names(tree))
            if followed is not None and isinstance(statement, (ast.Import, ast.ImportFrom)):
                # `from m import a, b` passes on only the name followed (or nothing, for a string).
                self._names |= _aliases_of(statement, followed)
            elif names:
                self._names |= self._names_reached(path, tree, statement, names)
            else:
                self._add_unknown_effect(path, tree, statement, followed)

    def _add_unknown_effect(self, path: str, tree: ast.Module, statement: ast.stmt, followed: str | None) -> None:
        """A changed import-time statement that binds and mutates no name (a call at module
        level): what the functions it calls change, every test that ran a line of its file,
        and, since what it did may be held by any of the module's objects, every name the
        module binds. A line reached by following a name selects the first two only."""
        self.whole_files.add(path)
        self._add_effects_of_calls([statement])
        if followed is None and not _inert(statement):
            self._names |= _without_dunders(set(_module_names(tree)))

    def _add_effects_of_calls(self, nodes: list[ast.expr] | list[ast.stmt]) -> None:
        """Follow what the project's functions that NODES call change at module level."""
        called = set().union(*(_called_names(node) for node in nodes))
        for path in [p for p in self.map.paths() if p.endswith(".py")]:
            if not any(self.sources.references(path, name) for name in called):
                continue
            tree = self.sources.tree(path)
            for function in _functions(tree) if tree is not None else ():
                if function.name in called:
                    self._names |= _module_effects(function, _module_names(tree))

    def _reaches_through_map(self, path: str, location: Location) -> bool:
        """For import-time code that mentions a followed name: whether the map alone says
        whom it reaches (adding those tests), so that the names it binds need no following.

        A statement that never ran while the map was built (under `if __name__ ==
        "__main__":`, in a script no test runs) reaches no test; a docstring or other bare
        constant has no effect. A test module's top level ran while pytest imported it,
        under that module's own context: its tests are the ones the map gives its lines.
        """
        statement = location.statement
        if statement is None:
            return False
        if _inert(statement) or (
            isinstance(statement, ast.Delete) and all(isinstance(t, ast.Name) for t in statement.targets)
        ):
            return True  # a docstring does nothing; `del X` removes a name nothing else sees
        bound = bound_names(statement)
        if bound and bound <= _NAME_LISTS:
            return True  # `__all__ = ["X"]`, `__slots__ = ("X",)`: X keeps its name where it goes
        span = _span(statement)
        if not self.map.ran(path, span):
            return True
        if path in self.map.test_modules():
            self.bits |= self.map.tests_running(path, span)
            return True
        return False

    def _names_reached(self, path: str, tree: ast.Module, statement: ast.stmt, names: set[str]) -> set[str]:
        """The names to follow for an import-time statement binding NAMES. One bound in a
        class body (an Enum member, a dataclass field's default, a class constant) also acts
        through its class, which code iterates, compares, instantiates or reads with vars()
        without naming the member; a dunder there (`__slots__`, `__eq__ = ...`) acts only
        through its class. A changed `__all__` acts through whatever star-imports the module:
        the tests that ran it."""
        classes = _enclosing_class_names(tree, statement)
        if classes:
            return _without_dunders(names) | classes
        if "__all__" in names:
            self.whole_files.add(path)
        return names

    def _add_runtime_line(
        self, path: str, location: Location, function: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> None:
        # The statement itself, then the whole compound statement, then the function's body:
        # coverage records a multi-line statement on one of its lines, and `else:` on none.
        statement = location.statement
        candidates = [_own_lines(statement), _span(statement)] if statement is not None else []
        bits = 0
        for lines in [*candidates, _body_span(function)]:
            bits = self.map.tests_running(path, lines)
            if bits:
                break
        self.bits |= bits
        if not bits or self.map.ran_outside_tests(path, candidates[0] if candidates else _body_span(function)):
            # It also ran at import time, and what it computed then is kept by module-level
            # objects every later importer shares: follow who calls it (a class for its dunders).
            tree = self.sources.tree(path)
            if function.name.startswith("__") and function.name.endswith("__"):
                self._names |= _enclosing_class_names(tree, function) if tree is not None else set()
            else:
                self._names.add(function.name)
            # What it changed at module level then (`global X`, `REGISTRY[name] = f`) is
            # read by tests that never call it.
            self._names |= _module_effects(function, _module_names(tree)) if tree is not None else set()

    def _follow_names(self) -> None:
        paths = [p for p in self.map.paths() if p.endswith(".py")]
        while self._names:
            name = self._names.pop()
            if name in self._followed:
                continue
            self._followed.add(name)
            for path in paths:
                lines = self.sources.references(path, name)
                tree = self.sources.tree(path) if lines else None
                for line in sorted(lines) if tree is not None else ():
                    self._add_line(path, tree, line, name)  # type: ignore[arg-type]

    def whole_file_bits(self) -> int:
        bits = 0
        for path in self.whole_files:
            bits |= self.map.tests_running(path, self.map.covered_lines(path))
        return bits
