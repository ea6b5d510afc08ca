"""The shape of the code: imports flow one way inside the PBX link, and the hotel does not speak Yeastar.

Read from the source with `ast` (imports inside functions included), so a new circle or a stray PBX word
fails here before it confuses the next reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PBX = "hotelpbx.pbx"
# The link's lowest layer: they talk HTTP and keep the session, and must never reach up to what schedules
# work (a login announces itself through the session's `logged_in` signal instead).
LOW_LAYER = {f"{PBX}.client", f"{PBX}.session", f"{PBX}.config"}
# Modules whose imports may sit inside functions: tasks reach back into the work modules when they run;
# an app's ready() wires things once the registry is loaded.
LAZY_ALLOWED = {f"{PBX}.tasks", f"{PBX}.apps"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> dict[str, Path]:
    base = ROOT / package.replace(".", "/")
    return {
        _module_name(path): path
        for path in base.rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    }


def _imports(name: str, path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """(imported module, inside a function?) for every import of a known module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def resolve(module: str | None, level: int) -> str:
        if not level:
            return module or ""
        base = package.split(".")
        base = base[: len(base) - (level - 1)]
        return ".".join([*base, module] if module else base)

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # read by type checkers only, never imported at run time
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend((alias.name, nested) for alias in child.names if alias.name in known)
            elif isinstance(child, ast.ImportFrom):
                target = resolve(child.module, child.level)
                for alias in child.names:
                    if f"{target}.{alias.name}" in known:
                        found.append((f"{target}.{alias.name}", nested))
                    elif target in known:
                        found.append((target, nested))
            visit(child, nested)

    visit(tree, False)
    return found


def _graph(package: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(all imports, imports placed inside functions) between the package's modules."""
    modules = _modules(package)
    known = set(modules)
    edges: dict[str, set[str]] = {name: set() for name in modules}
    lazy: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, in_function in _imports(name, path, known):
            if target != name and not name.startswith(target + "."):  # a package's own __init__
                edges[name].add(target)
                if in_function:
                    lazy[name].add(target)
    return edges, lazy


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def _reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_no_import_circle_in_hotelpbx_outside_the_tasks_and_their_work_modules():
    edges, lazy = _graph("hotelpbx")
    # a tasks module reaches back into the modules that schedule it only when a task runs
    for tasks_module in [m for m in edges if m.endswith(".tasks")]:
        assert edges[tasks_module] == lazy[tasks_module], f"{tasks_module} imports work modules at its top"
    without_tasks = {name: set() if name.endswith(".tasks") else targets for name, targets in edges.items()}
    assert _cycles(without_tasks) == []


def test_inside_the_link_only_tasks_and_app_setup_import_inside_functions():
    _, lazy = _graph("hotelpbx")
    offenders = {
        name: sorted(targets)
        for name, targets in lazy.items()
        if targets and name.startswith(PBX + ".") and name not in LAZY_ALLOWED
    }
    assert offenders == {}


def test_client_session_and_config_never_reach_the_modules_that_schedule_work():
    edges, _ = _graph("hotelpbx")
    scheduling = {f"{PBX}.tasks"} | {name for name, targets in edges.items() if f"{PBX}.tasks" in targets}
    assert {f"{PBX}.commands", f"{PBX}.link", f"{PBX}.backfill"} <= scheduling  # the rule has teeth
    for module in sorted(LOW_LAYER):
        assert _reachable(edges, module) & scheduling == set(), module


def test_no_two_functions_of_the_link_share_a_name():
    """`commands.drain_extension` (apply an extension's rows) is not `tasks.drain_extension_task`."""
    seen: dict[str, list[str]] = {}
    for path in sorted((ROOT / "hotelpbx" / "pbx").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                seen.setdefault(node.name, []).append(path.stem)
    assert {name: modules for name, modules in seen.items() if len(modules) > 1} == {}


# --- the hotel says what, the link says how -------------------------------------------------------------

YEASTAR_OPS = {
    "hotel.checkout",
    "hotel/checkout",
    "extension.update",
    "extension/update",
    "extension.vacate",
    "outroute.members",
    "outroute/update",
    "wakeupcall/create",
}
API_VERSION_WORDS = {"v1", "v2", "v1.1.0", "v2.0.0", "PBX_API_VERSION", "PBX_V1_CHECKOUT"}


def _strings_and_names(path: Path) -> set[str]:
    """String constants (not docstrings) and identifiers/attribute names of a module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.add(node.value.strip())
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
    return found


def test_rooms_writes_no_yeastar_op_and_tests_no_api_version():
    spoken = {}
    for path in sorted((ROOT / "rooms").rglob("*.py")):
        words = _strings_and_names(path)
        hits = sorted((words & (YEASTAR_OPS | API_VERSION_WORDS)) | {w for w in words if w.startswith("v1.")})
        if hits:
            spoken[str(path.relative_to(ROOT))] = hits
    assert spoken == {}


def test_the_check_finds_a_stray_op_string(tmp_path):
    """The scan above is not blind: the words it looks for are found where they are written."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""hotel.checkout in a docstring is prose."""\n'
        "from django.conf import settings\n"
        'OP = "hotel.checkout"\n'
        'V1 = settings.PBX_API_VERSION.startswith("v1")\n'
    )
    words = _strings_and_names(sample)
    assert {"hotel.checkout", "PBX_API_VERSION", "v1"} <= words
    assert "hotel.checkout in a docstring is prose." not in words
