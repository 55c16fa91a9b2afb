"""The apps' dependency rules, read from the source: imports inside functions count too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("api", "imports", "setupwizard", "telemetry", "timetracker", "tracking")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    }


def imports_of(path: Path, known: dict) -> set[str]:
    """The project modules ``path`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # "from package import module" imports the module; "import name", the package.
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in known
                else node.module
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def graph() -> dict[str, set[str]]:
    known = project_modules()
    return {name: imports_of(path, known) - {name} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first search (each reported once, from its first node)."""
    found, done = [], set()

    def visit(node, trail):
        if node in trail:
            found.append([*trail[trail.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(edges.get(node, ())):
            visit(target, [*trail, node])
        done.add(node)

    for start in sorted(edges):
        visit(start, [])
    return found


def test_no_module_imports_itself_back_even_inside_a_function():
    assert cycles(graph()) == []


def test_tracking_and_setupwizard_never_import_telemetry_or_each_other():
    edges = graph()
    for name, targets in edges.items():
        app = name.split(".")[0]
        forbidden = {
            "tracking": ("telemetry", "setupwizard"),
            "setupwizard": ("telemetry", "tracking"),
        }
        for target in targets:
            assert target.split(".")[0] not in forbidden.get(app, ()), f"{name} imports {target}"
