"""The static import graph of a project's Python files, built with `ast`.

A file is known by every dotted name it can be imported as: its path from the project
top, from a `src/`-style root, and from the first ancestor directory that is not a
package (pytest's rootdir-relative "prepend" rule). `from package import name` counts
as importing `package` and, when it is a module, `package.name`; importing `a.b.c`
imports `a` and `a.b` too, so a package's `__init__` re-exports are followed.
"""

from __future__ import annotations

import ast
import os
import re

from hotfix_guard.focus.discover import read_bytes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

SOURCE_ROOTS = ("src", "lib")


class ImportGraph:
    """Which project files each Python file imports, directly."""

    def __init__(self, top: str, files: list[str], phantoms: Sequence[str] = ()):
        self.top = top
        self.edges: dict[str, set[str]] = {}
        packages = {os.path.dirname(f) for f in files if os.path.basename(f) == "__init__.py"}
        self.names: dict[str, set[str]] = {f: module_names(f, packages) for f in [*files, *phantoms]}
        index: dict[str, str] = {}
        for path, names in self.names.items():
            for name in names:
                index.setdefault(name, path)
        for path in files:
            self.edges[path] = {
                target
                for name in self._imported_names(path)
                for target in _prefix_targets(name, index)
                if target != path
            }

    def _imported_names(self, path: str) -> set[str]:
        imported: set[str] = set()
        own = self.names[path]
        is_package = os.path.basename(path) == "__init__.py"
        for node in import_statements(read_bytes(self.top, path)):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                for module in _from_modules(node, own, is_package):
                    imported.add(module)
                    imported.update(f"{module}.{alias.name}" for alias in node.names)
        return imported

    def reaches(self, roots: list[str], targets: set[str]) -> bool:
        """Whether any of ROOTS imports any of TARGETS, directly or transitively."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            path = stack.pop()
            if path in targets:
                return True
            if path not in seen:
                seen.add(path)
                stack.extend(self.edges.get(path, ()))
        return False

    def importers(self, target: str) -> set[str]:
        """Files that import TARGET directly or transitively."""
        reverse: dict[str, set[str]] = {}
        for path, deps in self.edges.items():
            for dep in deps:
                reverse.setdefault(dep, set()).add(path)
        found: set[str] = set()
        stack = [target]
        while stack:
            for importer in reverse.get(stack.pop(), ()):
                if importer not in found:
                    found.add(importer)
                    stack.append(importer)
        return found


# An import at the start of a line, or after a colon (`if TYPE: import x`, `try: import y`);
# `from a \` continued on the next line.
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:[^#\n]*?:[ \t]*)?(?:import[ \t]|from[ \t])")


def import_statements(source: bytes) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of SOURCE, wherever they are (module level or inside functions).

    Parsing only the lines that start an import (and their continuation lines) is many
    times faster than parsing the whole file. A docstring line that reads like an import
    only adds an edge, which can only select more.
    """
    lines = source.splitlines()
    found: list[ast.Import | ast.ImportFrom] = []
    index = 0
    while index < len(lines):
        if not _IMPORT_LINE.match(lines[index]):
            index += 1
            continue
        statement = [lines[index].strip()]
        while (
            statement[-1].endswith(b"\\") or (b"(" in statement[0] and b")" not in statement[-1])
        ) and index + 1 < len(lines):
            index += 1
            statement.append(lines[index].strip())
        index += 1
        try:
            tree = ast.parse(b"\n".join(statement))
        except (SyntaxError, ValueError):
            continue
        found += [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    return found


def module_names(path: str, packages: set[str]) -> set[str]:
    """The dotted names PATH can be imported as."""
    parts = path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    names = {".".join(parts)}
    if len(parts) > 1 and parts[0] in SOURCE_ROOTS:
        names.add(".".join(parts[1:]))
    directory = os.path.dirname(path)
    start = len(directory.split("/")) if directory else 0
    while directory and directory in packages:
        directory = os.path.dirname(directory)
        start -= 1
    names.add(".".join(path[: -len(".py")].split("/")[start:]).removesuffix(".__init__"))
    names.discard("")
    return names


def _from_modules(node: ast.ImportFrom, own: set[str], is_package: bool) -> set[str]:
    if not node.level:
        return {node.module} if node.module else set()
    modules = set()
    for name in own:
        package = name if is_package else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        modules.add(".".join(part for part in (package, node.module) if part))
    return modules


def _prefix_targets(name: str, index: dict[str, str]) -> list[str]:
    parts = name.split(".")
    return [index[prefix] for prefix in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if prefix in index]
