"""No god modules (issue 20, step 5): a domain package is split by aggregate into modules of a
few hundred lines, with ``service.py`` as a short facade (docs/architecture.md). This fails when
a module grows past the limit, so that the next split happens when it is due, not years later."""

from __future__ import annotations

from pathlib import Path

LIMIT = 600  # lines; the aim is ~500, the margin is for a change that is on its way out

SRC = Path(__file__).resolve().parents[2] / "src" / "ringfence"

# Packages whose modules are checked: every package but these two.
# - web: the routers and pages are the HTML and JSON faces of the domains (the web issue splits
#   web/enforcement/pages.py); any web/**/service.py is still checked.
# - migrations: Alembic versions are written once and never edited.
UNCHECKED_PACKAGES = {"web", "migrations"}

# The documented exceptions: a module over the limit for a reason, at most a handful. An entry
# whose module has shrunk under the limit (or gone) fails the test too: remove it.
EXCEPTIONS = {
    "screening/engine.py": "the framework-free engine's one pipeline (normalise -> detect -> "
    "decide) and its public types, read as one; split with the screening issues' work on it",
    "screening/detectors/photo_match.py": "one detector: the image re-use matcher and its "
    "feature maths, kept in one module like every other detector",
    "editions/bundle.py": "the bundle file format, its export and its import, which must change "
    "together (SCHEMA_VERSION)",
}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def checked_modules() -> list[Path]:
    modules = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if len(relative.parts) < 2:
            continue  # ringfence/__main__.py, demo.py: not in a package
        if relative.parts[0] in UNCHECKED_PACKAGES and path.name != "service.py":
            continue
        modules.append(path)
    return modules


def test_no_module_of_a_package_exceeds_the_limit() -> None:
    modules = checked_modules()
    names = {m.relative_to(SRC).as_posix() for m in modules}
    # The walk sees the domains and their facades (a wrong SRC would pass an empty list).
    assert {"enforcement/service.py", "shop/service.py", "registry/service.py"} <= names
    assert "cli/main.py" in names
    too_long = {
        name: n
        for m in modules
        if (n := _lines(m)) > LIMIT and (name := m.relative_to(SRC).as_posix()) not in EXCEPTIONS
    }
    assert not too_long, (
        f"modules over {LIMIT} lines (split them by aggregate, docs/architecture.md): {too_long}"
    )


def test_the_exceptions_are_still_needed() -> None:
    stale = [
        name for name in EXCEPTIONS if not (SRC / name).is_file() or _lines(SRC / name) <= LIMIT
    ]
    assert not stale, f"no longer over {LIMIT} lines, remove from EXCEPTIONS: {stale}"
    assert len(EXCEPTIONS) <= 5, "a handful at most"


def test_service_facades_define_nothing() -> None:
    """A domain's service.py re-exports the modules that hold the commands: imports and
    ``__all__`` only, so a new command goes in the module of its aggregate."""
    import ast

    for package in ("enforcement", "shop", "registry", "authenticity"):
        tree = ast.parse((SRC / package / "service.py").read_text(encoding="utf-8"))
        body = tree.body[1:]  # the docstring
        kinds = {type(node).__name__ for node in body}
        assert kinds <= {"ImportFrom", "Assign"}, (package, kinds)
        (names,) = [node for node in body if isinstance(node, ast.Assign)]
        assert ast.unparse(names.targets[0]) == "__all__", package
