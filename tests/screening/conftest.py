from __future__ import annotations

import pytest

from ringfence.demo import demo_document_text
from ringfence.registry.builtin import builtin_document
from ringfence.registry.fileformat import parse_document
from ringfence.screening.engine import Engine
from ringfence.screening.index import ScreeningData, builtin_data


@pytest.fixture(scope="session")
def demo_data() -> ScreeningData:
    """The built-in registry plus the demo licences (licensed sellers to test against)."""
    base = builtin_document()
    demo = parse_document(demo_document_text())
    registry = base.model_copy(
        update={
            "parties": base.parties + demo.parties,
            "marks": base.marks + demo.marks,
            "licences": demo.licences,
        }
    )
    return builtin_data(registry)


@pytest.fixture(scope="session")
def engine(demo_data: ScreeningData) -> Engine:
    return Engine(demo_data)
