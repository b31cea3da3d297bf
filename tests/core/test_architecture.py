"""The screening engine and the licence decision import no web, ORM or CLI code, so that
library users and distributed workers can embed them."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "typer",
    "alembic",
    "ringfence.web",
    "ringfence.cli",
)


ENGINE = (
    "ringfence.registry.decision",
    "ringfence.registry.builtin",
    "ringfence.screening.engine",
    "ringfence.screening._kernel",
    "ringfence.screening.index",
    "ringfence.screening.normalize",
    "ringfence.screening.runners.local",
    "ringfence.screening.runners.dataset",
    "ringfence.screening.detectors.terms",
    "ringfence.screening.detectors.fuzzy",
    "ringfence.screening.detectors.cues",
    "ringfence.screening.detectors.rings",
    "ringfence.screening.detectors.price",
)


def test_engine_modules_import_no_framework() -> None:
    code = f"import sys, {', '.join(ENGINE)}; print('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN)]
    assert offenders == []


def package_graph() -> dict[str, set[str]]:
    """Which of ringfence's top-level packages each one imports (any module, any depth)."""
    import grimp

    graph = grimp.build_graph("ringfence", cache_dir=None)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        source = module.split(".")[1] if "." in module else module
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")[1] if "." in imported else imported
            edges.setdefault(source, set())
            if target not in (source, "ringfence"):
                edges[source].add(target)
    return edges


def test_no_package_cycle() -> None:
    """The packages import each other in one direction (docs/architecture.md): a topological
    order exists. The layers contract in pyproject.toml says which; this says there is one."""
    from graphlib import CycleError, TopologicalSorter

    edges = package_graph()
    assert {"core", "registry", "screening", "web", "cli", "flows"} <= set(edges)
    assert "registry" in edges["screening"]
    assert "flows" in edges["web"]
    try:
        order = list(TopologicalSorter(edges).static_order())
    except CycleError as exc:
        raise AssertionError(f"package cycle: {' -> '.join(exc.args[1])}") from None
    assert order.index("core") < order.index("registry") < order.index("screening")
    assert order.index("flows") < order.index("web") < order.index("cli")
