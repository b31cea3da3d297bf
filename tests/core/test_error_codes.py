"""Issue 20: every error code is a member of its package's ``ErrorCode`` and documented in
docs/api.md ("Error codes"), whose catalogue is made from the source (tests/error_catalogue.py)."""

from __future__ import annotations

import ast
import re

from tests import error_catalogue

CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def test_no_error_code_is_a_bare_string() -> None:
    found = []
    for path in sorted(error_catalogue.SRC.rglob("*.py")):
        if path == error_catalogue.SRC / "core" / "errors.py" or path.name == "error_codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            values = [kw.value for kw in node.keywords if kw.arg == "code"]
            f = node.func
            if (getattr(f, "id", None) or getattr(f, "attr", None)) == "ErrorDetail":
                values += node.args[:1]
            found += [
                f"{path.relative_to(error_catalogue.ROOT)}:{v.lineno} {v.value!r}"
                for v in values
                if isinstance(v, ast.Constant)
                and isinstance(v.value, str)
                and CODE.match(v.value)  # not a template's `code=""` (the verify form)
            ]
    assert not found, "use the package's ErrorCode (error_codes.py): " + ", ".join(found)


def test_every_member_is_raised_in_its_package() -> None:
    unused = []
    for package, members in error_catalogue.enums().items():
        text = "".join(
            p.read_text()
            for p in (error_catalogue.SRC / package).rglob("*.py")
            if p.name != "error_codes.py"
        )
        unused += [f"{package}.{name}" for name in members if f"ErrorCode.{name}" not in text]
    assert not unused, f"error codes no code raises: {unused}"


def test_docs_catalogue_is_current() -> None:
    assert error_catalogue.current() == error_catalogue.section(), (
        "docs/api.md's error-code catalogue is stale: run python -m tests.error_catalogue --write"
    )
