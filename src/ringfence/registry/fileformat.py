"""Reading and writing the registry file (YAML; JSON is accepted as the YAML subset it is).

Every problem is reported with the line it is on: the YAML is composed into nodes first, so each
path in the document (``licences.3.marks.1``) knows its line, and Pydantic's and the referential
checks' locations are translated into ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ringfence.core.errors import ErrorDetail, InvalidInput
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.schemas import RegistryDocument

Loc = tuple[str | int, ...]
MAX_BYTES = 64 * 1024 * 1024


def _line_map(node: yaml.Node, path: Loc, out: dict[Loc, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out[(*path, key.value)] = key.start_mark.line + 1
                _line_map(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out)


def _line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    for end in range(len(loc), -1, -1):
        if (hit := lines.get(tuple(loc[:end]))) is not None:
            return hit
    return None


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings (Pydantic parses them) and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_document(text: str, *, source: str = "<document>") -> RegistryDocument:
    """Parse and validate a registry document, or raise InvalidInput naming every bad line."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # refuses characters YAML does not allow (NUL...)
        node = loader.get_single_node()
        if node is None:
            raise InvalidInput(f"{source}: the document is empty", code=ErrorCode.EMPTY_DOCUMENT)
        data = loader.construct_document(node)
    except RecursionError:  # PyYAML composes recursively: a few thousand levels end here
        raise InvalidInput(f"{source}: nested too deep", code=ErrorCode.INVALID_YAML) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise InvalidInput(
            f"{source}{line}: not valid YAML: {exc.problem or exc.context}",
            code=ErrorCode.INVALID_YAML,
        ) from None
    except yaml.YAMLError as exc:
        raise InvalidInput(
            f"{source}: not valid YAML: {exc}", code=ErrorCode.INVALID_YAML
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Loc, int] = {}
    _line_map(node, (), lines)
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{source}:{lines.get((), 1)}: the document must be a mapping with sections",
            code=ErrorCode.INVALID_DOCUMENT,
        )
    try:
        return RegistryDocument.model_validate(data)
    except ValidationError as exc:
        details = [
            ErrorDetail(
                "invalid_" + str(err["type"]).split(".")[0],
                str(err["msg"]).removeprefix("Value error, "),
                tuple(err["loc"]),
            )
            for err in exc.errors()
        ]
        raise with_lines(
            InvalidInput(
                "the registry document is invalid", code=ErrorCode.INVALID_DOCUMENT, details=details
            ),
            lines,
            source,
        ) from None


def locate(text: str) -> dict[Loc, int]:
    """Path -> line number for an already-valid YAML text."""
    node = yaml.compose(text, Loader=_Loader)
    lines: dict[Loc, int] = {}
    if node is not None:
        _line_map(node, (), lines)
    return lines


def with_lines(error: InvalidInput, lines: dict[Loc, int], source: str) -> InvalidInput:
    """Prefix every detail of ``error`` with ``source:line``."""
    details = []
    for d in error.details:
        line = _line_of(lines, d.loc)
        where = f"{source}:{line}" if line else source
        details.append(ErrorDetail(d.code, f"{where}: {d.msg}", d.loc))
    return InvalidInput(error.msg, code=error.code, details=details)


def read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInput(
                f"{path}: larger than {MAX_BYTES} bytes", code=ErrorCode.FILE_TOO_LARGE
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file", code=ErrorCode.FILE_NOT_FOUND) from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a directory", code=ErrorCode.NOT_A_FILE) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path}: not UTF-8 text (byte {exc.start})", code=ErrorCode.INVALID_ENCODING
        ) from None
    except PermissionError:
        raise InvalidInput(f"{path}: permission denied", code=ErrorCode.UNREADABLE_FILE) from None


def dump_document(doc: RegistryDocument) -> str:
    data = doc.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return yaml.safe_dump(
        _compact(data), allow_unicode=True, sort_keys=False, width=100, default_flow_style=None
    )


def _compact(value: Any) -> Any:
    """Drop empty lists of optional collections so the file stays readable."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if not (v == [] and k in _OPTIONAL_LISTS)}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


_OPTIONAL_LISTS: Iterable[str] = frozenset({"variants", "exceptions", "sellers"})
