"""Languages of the web pages: gettext catalogues (``locales/<lang>/LC_MESSAGES/messages.po``)
compiled with Babel when first needed, and the choice of language per request (the switch's
cookie, else the browser's Accept-Language, else English).

Adding a language (Chinese, say): ``pybabel init -i src/ringfence/web/locales/messages.pot
-d src/ringfence/web/locales -l zh_Hans``, translate the .po, add ``"zh-Hans"`` to LANGUAGES.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from importlib.resources import files

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

# Language tag -> (catalogue folder, its own name, shown in the switch).
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("en", "English"),
    "fr": ("fr", "Français"),
}
DEFAULT = "en"
COOKIE = "rf_lang"


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English is the source text: no catalogue)."""
    folder = LANGUAGES.get(lang, (DEFAULT, ""))[0]
    if folder == DEFAULT:
        return gettext.NullTranslations()
    po = files("ringfence.web").joinpath("locales", folder, "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=folder)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def parse_accept_language(header: str) -> list[str]:
    """Tags of an Accept-Language header, most preferred first (``q=0`` dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The language of a request: the switch's cookie, else the browser's first preference we
    have, matched exactly or by its primary subtag (``fr-CA`` gets ``fr``, ``zh-CN`` would get
    ``zh-Hans``), else English."""
    if cookie in LANGUAGES:
        return cookie
    exact = {tag.lower(): tag for tag in LANGUAGES}
    primary: dict[str, str] = {}
    for tag in LANGUAGES:
        primary.setdefault(tag.split("-")[0].lower(), tag)
    for wanted in (t.lower() for t in parse_accept_language(accept_language or "")):
        if wanted in exact:
            return exact[wanted]
        if wanted.split("-")[0] in primary:
            return primary[wanted.split("-")[0]]
    return DEFAULT


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue; it is translated where it is shown."""
    return text
