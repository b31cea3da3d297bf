"""The README's first image from a browser run's screenshots: ``docs/img/console-case.png`` is
the case page of the demo's case 1 (the listing with its evidence image beside the seller's
licence), cut to its first 1,000 pixels and stored with a 256-colour palette (a tenth of the
size). Run the test that takes it, then this:

    RINGFENCE_SCREENSHOTS=var/screenshots PYTHONPATH=$PWD/src .venv/bin/pytest -q \\
        "tests/e2e/test_case_page.py::test_the_case_shows_the_listing_beside_the_sellers_licences"
    PYTHONPATH=$PWD/src .venv/bin/python -m tests.e2e.docs_images

Needs Pillow (the ``images`` extra, in the test environment)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.e2e.conftest import ROOT, SHOTS

# screenshot name -> the height kept (the first screen of a 1280 px wide page)
IMAGES = {"console-case": 1000}


def main() -> int:
    from PIL import Image

    for name, height in IMAGES.items():
        source = SHOTS / f"{name}.png"
        if not source.exists():
            print(f"{source}: missing; run the browser test that takes it", file=sys.stderr)
            return 2
        with Image.open(source) as shot:
            first = shot.convert("RGB").crop((0, 0, shot.width, min(height, shot.height)))
            target = Path(ROOT, "docs", "img", f"{name}.png")
            first.quantize(colors=256).save(target, optimize=True)
            print(f"{target}: {first.width} x {first.height}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
