"""Wrap the consecutive model creations of migration files in `CreateTogether`.

    python scripts/create_together.py src/ipcity/<app>/migrations/0001_initial.py ...

A run of `CreateModel` operations, with the `AddField`, `AddIndex`, `AddConstraint` and
`AlterUniqueTogether` operations on models the run created, becomes one `CreateTogether`
(`ipcity.core.migration_batch`); everything else stays as `makemigrations` wrote it. A file with
no run of two or more is left alone. `--check` only reports the files that would change.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

IMPORT = "from ipcity.core.migration_batch import CreateTogether\n"
COMPLETING = {"AddField", "AddIndex", "AddConstraint", "AlterUniqueTogether"}


def _kind(node: ast.expr) -> str | None:
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr if func.value.id == "migrations" else None
    return None


def _keyword(node: ast.Call, *names: str) -> str | None:
    """The first of `names` the call passes as a constant keyword, lower-cased."""
    given = {k.arg: k.value for k in node.keywords if isinstance(k.value, ast.Constant)}
    for name in names:
        if name in given:
            return str(given[name].value).lower()
    return None


def _operations(tree: ast.Module) -> ast.List | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "operations" for t in node.targets
        ):
            return node.value if isinstance(node.value, ast.List) else None
    return None


def _runs(elements: list[ast.expr]) -> list[list[ast.expr]]:
    runs: list[list[ast.expr]] = []
    current: list[ast.expr] = []
    created: set[str] = set()
    for node in elements:
        kind = _kind(node)
        if kind == "CreateModel":
            current.append(node)
            created.add(_keyword(node, "name"))
            continue
        target = _keyword(node, "model_name", "name") if kind in COMPLETING else None
        if current and target in created:
            current.append(node)
            continue
        if current:
            runs.append(current)
        current, created = [], set()
    if current:
        runs.append(current)
    return [run for run in runs if sum(_kind(n) == "CreateModel" for n in run) > 1]


def rewrite(source: str) -> str:
    tree = ast.parse(source)
    operations = _operations(tree)
    if operations is None or "CreateTogether(" in source:
        return source
    runs = _runs(operations.elts)
    if not runs:
        return source
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(lineno: int, col: int) -> int:
        return offsets[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode())

    out, cursor = [], 0
    for run in runs:
        first, last = run[0], run[-1]
        start = offsets[first.lineno - 1]  # the start of the first operation's line
        indent = lines[first.lineno - 1][
            : len(lines[first.lineno - 1]) - len(lines[first.lineno - 1].lstrip())
        ]
        end = at(last.end_lineno, last.end_col_offset)
        if source[end : end + 1] == ",":
            end += 1
        body = textwrap.indent(source[start:end].rstrip() + "\n", "        ")
        out.append(source[cursor:start])
        out.append(f"{indent}CreateTogether(\n{indent}    [\n{body}{indent}    ]\n{indent}),")
        cursor = end
    out.append(source[cursor:])
    result = "".join(out)
    anchor = "from django.db import migrations"
    if anchor in result:
        head, tail = result.split(anchor, 1)
        line_end = tail.index("\n") + 1
        result = head + anchor + tail[:line_end] + IMPORT + tail[line_end:]
    else:
        raise SystemExit("no `from django.db import migrations` line to import after")
    return result


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = []
    for name in (a for a in argv if a != "--check"):
        path = Path(name)
        before = path.read_text(encoding="utf-8")
        after = rewrite(before)
        if after != before:
            changed.append(name)
            if not check:
                compile(after, name, "exec")
                path.write_text(after, encoding="utf-8")
    for name in changed:
        print(("would change " if check else "changed ") + name)
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
