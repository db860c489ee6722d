"""Step 4b: a large `models.py` split into a `models/` package whose classes load on first access.

Importing every class of a big spec costs seconds (pydantic builds each class's validator as the class is made), so
above `SPLIT_THRESHOLD` definitions the one module datamodel-code-generator wrote becomes one module per *group*:

- the graph is the definitions (classes, aliases) and the names each one's code uses; its strongly connected
  components keep every reference cycle (recursive schemas) inside one module;
- a component joins the group of its referrers when all of them are in one group (an inline object, an enum only
  one schema uses), else it starts a group of its own. Groups then import each other without cycles (a cycle of
  groups would be a cycle of components);
- `models/__init__.py` lists every name (`__all__`, `__dir__`, and imports under `TYPE_CHECKING` for type checkers)
  and imports a group's module on the first access to one of its names (a module `__getattr__`).

Everything is a function of the source alone (source order, sorted names), so the output is deterministic. A
module whose top-level code is anything other than imports and definitions is left whole.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from codegen.naming import snake
from codegen.templating import environment, isort_order

SPLIT_THRESHOLD = 150
"""Definitions above which `models.py` becomes a package: ~1.5-2.5 ms of import per class, so the one module
stays below ~0.3 s (every golden case and `spec/openapi.yaml` are far below it)."""
_PARENT_RUNTIME = re.compile(r"^from \.(_\w+) import ", re.MULTILINE)
_ENV = environment()


@dataclass(frozen=True, slots=True)
class Definition:
    """A class or alias of the module: its source, the module-level names it uses, and `rebuild`: its
    `Name.model_rebuild()` line, which datamodel-code-generator writes at the end for recursive models."""

    name: str
    source: str
    uses: frozenset[str]
    rebuild: str = ""


def split_models(source: str, header: str, threshold: int = SPLIT_THRESHOLD) -> dict[str, str]:
    """The files of the models: `{"models.py": source}`, or a `models/` package when there are many definitions."""
    parsed = parse_definitions(source)
    if parsed is None or len(parsed[1]) <= threshold:
        return {"models.py": source}
    preamble, definitions = parsed
    groups = group(definitions)
    modules = dict(zip(_module_names(groups), (members for _, members in groups), strict=True))
    module_of = {name: module for module, members in modules.items() for name in members}
    by_name = {definition.name: definition for definition in definitions}
    head, imported = _imports_apart(_PARENT_RUNTIME.sub(r"from ..\1 import ", preamble))
    files = {}
    for module, members in modules.items():
        imports = _cross_imports(members, by_name, module_of, module)
        body = "\n\n\n".join(by_name[name].source for name in members)
        rebuilds = "".join(f"\n\n{by_name[name].rebuild}" for name in members if by_name[name].rebuild)
        code = f"{imports}\n\n\n{body}\n{rebuilds}\n"
        mentioned = import_block(entry for entry in imported if _mentioned(entry, code))
        files[f"models/{module}.py"] = f"{head}{mentioned}\n\n{code}"
    files["models/__init__.py"] = render_models_init(header, {m: sorted(names) for m, names in sorted(modules.items())})
    return files


def render_models_init(head: str, modules: dict[str, list[str]]) -> str:
    """`models/__init__.py` of a split models package: module -> the names defined in it."""
    names = sorted((name for members in modules.values() for name in members), key=isort_order)
    return _ENV.get_template("models_init.py.jinja").render(header=head, modules=modules, names=names)


_remembered: list[tuple[str, tuple[str, list[Definition]]]] = []


def remember_definitions(source: str, parsed: tuple[str, list[Definition]]) -> None:
    """Record what `parse_definitions(source)` gives, for a module built from parsed pieces (`codegen.partition`),
    so that splitting it does not parse it again (seconds on a spec of GitHub's size)."""
    _remembered[:] = [(source, parsed)]


def parse_definitions(source: str) -> tuple[str, list[Definition]] | None:
    """The imports before the first definition, and each definition with the module-level names it uses."""
    for known, parsed in _remembered:
        if known == source:
            return parsed[0], list(parsed[1])
    tree = ast.parse(source)
    lines = source.splitlines()
    body = [node for node in tree.body if not isinstance(node, ast.Import | ast.ImportFrom)]
    if not body or any(isinstance(node, ast.Import | ast.ImportFrom) for node in tree.body[tree.body.index(body[0]) :]):
        return None
    names = []
    rebuilds: dict[str, str] = {}
    while body and (rebuilt := _rebuilt(body[-1])) is not None:
        rebuilds[rebuilt] = "\n".join(lines[body[-1].lineno - 1 : body[-1].end_lineno])
        body.pop()
    for node in body:
        if isinstance(node, ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names.append(node.targets[0].id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names.append(node.target.id)
        else:
            return None  # top-level code (a `model_rebuild()` call, ...): keep the module whole
    if len(set(names)) != len(names) or not rebuilds.keys() <= set(names):
        return None
    defined = set(names)
    definitions = []
    for name, node in zip(names, body, strict=True):
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        text = "\n".join(lines[start - 1 : node.end_lineno])
        used = _loaded_names(node)
        definitions.append(Definition(name, text, frozenset((used & defined) - {name}), rebuilds.get(name, "")))
    first = body[0]
    start = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))])
    return "\n".join(lines[: start - 1]).rstrip() + "\n", definitions


def _loaded_names(node: ast.AST) -> set[str]:
    """The names `node` reads: `ast.walk`'s answer without its generator per node (a large spec's modules hold
    hundreds of thousands of nodes), and without descending into constants, which hold none."""
    found: set[str] = set()
    work = [node]
    while work:
        item = work.pop()
        if type(item) is ast.Name:
            if type(item.ctx) is ast.Load:
                found.add(item.id)
            continue
        for field in item._fields:
            value = getattr(item, field, None)
            if isinstance(value, list):
                work.extend(child for child in value if isinstance(child, ast.AST) and type(child) is not ast.Constant)
            elif isinstance(value, ast.AST) and type(value) is not ast.Constant:
                work.append(value)
    return found


def _rebuilt(node: ast.stmt) -> str | None:
    """`X` of a `X.model_rebuild()` statement."""
    call = node.value if isinstance(node, ast.Expr) else None
    if not isinstance(call, ast.Call) or call.args or call.keywords or not isinstance(call.func, ast.Attribute):
        return None
    target = call.func.value
    return target.id if call.func.attr == "model_rebuild" and isinstance(target, ast.Name) else None


def components(definitions: list[Definition]) -> list[list[str]]:
    """Strongly connected components (Tarjan's, iterative), each in source order, dependencies before dependents."""
    order = {definition.name: index for index, definition in enumerate(definitions)}
    edges = {definition.name: sorted(definition.uses, key=order.__getitem__) for definition in definitions}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in order:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for offset, target in enumerate(edges[node][position:], position):
                if target not in index:
                    work += [(node, offset + 1), (target, 0)]
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(sorted(component, key=order.__getitem__))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def group(definitions: list[Definition]) -> list[tuple[str, list[str]]]:
    """The definitions' modules, each as (the name it starts from, its members in source order): a component joins
    its referrers' group when that group is unique."""
    order = {definition.name: index for index, definition in enumerate(definitions)}
    found = components(definitions)  # dependencies first: reversed, every referrer comes before what it uses
    component_of = {name: i for i, members in enumerate(found) for name in members}
    referrers: dict[int, set[int]] = {i: set() for i in range(len(found))}
    for definition in definitions:
        for used in definition.uses:
            if component_of[used] != component_of[definition.name]:
                referrers[component_of[used]].add(component_of[definition.name])
    group_of: dict[int, int] = {}
    for i in reversed(range(len(found))):
        owners = {group_of[r] for r in referrers[i]}
        group_of[i] = owners.pop() if len(owners) == 1 else i
    members: dict[int, list[str]] = {}
    for i, component in enumerate(found):
        members.setdefault(group_of[i], []).extend(component)
    groups = [(found[root][0], sorted(names, key=order.__getitem__)) for root, names in members.items()]
    return sorted(groups, key=lambda root_and_names: order[root_and_names[0]])


def _module_names(groups: list[tuple[str, list[str]]]) -> list[str]:
    """`_<the group's first name in snake case>`, unique even on a case-insensitive file system."""
    taken: set[str] = {"__init__"}
    names = []
    for root, _ in groups:
        base = "_" + snake(root).strip("_")
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name.lower())
        names.append(name)
    return names


def import_entries(preamble: str) -> Iterable[tuple[str, str, str | None]]:
    """The imports of `preamble` other than `__future__`'s: (module, name, alias), module "" for `import x`."""
    for node in ast.parse(preamble).body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                yield "." * node.level + (node.module or ""), alias.name, alias.asname
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield "", alias.name, alias.asname


def import_block(imports: Iterable[tuple[str, str, str | None]]) -> str:
    """The imports in order of first appearance (ruff sorts them when the package is formatted)."""
    by_module: dict[str, list[str]] = {}
    plain: list[str] = []
    for module, name, alias in imports:
        text = f"{name} as {alias}" if alias else name
        if module:
            by_module.setdefault(module, []).append(text)
        else:
            plain.append(f"import {text}")
    return "\n".join([*plain, *(f"from {module} import {', '.join(names)}" for module, names in by_module.items())])


def _imports_apart(preamble: str) -> tuple[str, list[tuple[str, str, str | None]]]:
    """The text of `preamble` before its imports (header, `from __future__ ...`), and the imports."""
    nodes = [n for n in ast.parse(preamble).body if not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
    if not nodes:
        return preamble, []
    return "".join(preamble.splitlines(keepends=True)[: nodes[0].lineno - 1]), list(import_entries(preamble))


def _mentioned(entry: tuple[str, str, str | None], code: str) -> bool:
    """Whether `code` mentions the name a `from ... import` brings, even inside a string: a superset of the imports
    ruff keeps, so its result is the same, with far less for it to remove (every module of the split gets the whole
    module's imports). An aliased or plain import is kept as it is."""
    module, name, alias = entry
    return alias is not None or not module or name in code


def _cross_imports(members: Iterable[str], by_name: Mapping[str, Definition], module_of: Mapping[str, str], own: str) -> str:  # fmt: skip
    needed: dict[str, set[str]] = {}
    for name in members:
        for used in by_name[name].uses:
            if module_of[used] != own:
                needed.setdefault(module_of[used], set()).add(used)
    return "\n".join(f"from .{module} import {', '.join(sorted(names))}" for module, names in sorted(needed.items()))
