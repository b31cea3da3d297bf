"""The same listings give the same verdicts and evidence in every process, whatever Python's
string hash seed (set iteration order once leaked into which mark a misspelling was matched to)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

SCRIPT = """
import hashlib
from datetime import date
from tests.screening.corpus import generate
from ringfence.screening.engine import Engine

corpus = generate(size=1_500, seed=5)
engine = Engine(corpus.data, compiled=False)
digest = hashlib.sha256()
for case in corpus.cases:
    digest.update(repr(engine.screen(case.listing, today=date(2026, 6, 1))).encode())
print(digest.hexdigest())
"""


def _run(seed: str) -> str:
    env = os.environ | {"PYTHONHASHSEED": seed}
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", SCRIPT], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert len(out) == len(hashlib.sha256().hexdigest())
    return out


def test_verdicts_do_not_depend_on_the_hash_seed() -> None:
    assert len({_run(seed) for seed in ("0", "1", "2", "3")}) == 1
