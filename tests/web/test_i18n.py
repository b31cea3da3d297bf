"""The catalogues: every page string is in the template (.pot) and translated in every
language's .po, with the same placeholders; the .po compiles at start; the language choice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ringfence.web import i18n
from ringfence.web.templating import environment

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "src" / "ringfence" / "web" / "locales"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def _extracted() -> set[str]:
    """What `make messages` extracts, read the same way (babel.cfg)."""
    method_map = [
        ("src/ringfence/**/pages.py", "python"),
        ("src/ringfence/web/**.py", "python"),
        ("src/ringfence/web/templates/**.html", "jinja2"),
    ]
    options = {
        "src/ringfence/web/templates/**.html": {
            "extensions": "jinja2.ext.i18n",
            "trimmed": "true",
        }
    }
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_template_holds_every_string_of_the_pages() -> None:
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    extracted = _extracted()
    assert extracted - template == set(), "run `make messages` and translate the new strings"
    assert template - extracted == set(), "run `make messages` to drop strings no page uses"


@pytest.mark.parametrize("lang", [tag for tag in i18n.LANGUAGES if tag != i18n.DEFAULT])
def test_every_string_is_translated_with_its_placeholders(lang: str) -> None:
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    translated = {m.id: m for m in catalog if m.id}
    assert template <= set(translated), f"{lang}: missing {sorted(template - set(translated))}"
    for msgid in template:
        message = translated[msgid]
        assert message.string, f"{lang}: {msgid!r} is not translated"
        assert not message.fuzzy, f"{lang}: {msgid!r} is fuzzy"
        assert sorted(PLACEHOLDER.findall(str(message.string))) == sorted(
            PLACEHOLDER.findall(str(msgid))
        ), f"{lang}: placeholders of {msgid!r} differ"


def test_the_po_compiles_when_first_used() -> None:
    assert i18n.translations("fr").gettext("Shop") == "Boutique"
    assert i18n.translations("en").gettext("Shop") == "Shop"


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, "fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        (None, "de-DE,de;q=0.9,fr;q=0.5", "fr"),
        (None, "en-GB,fr;q=0.9", "en"),
        (None, "zh-Hans;q=1, *;q=0.1", "en"),
        (None, "fr;q=0, en", "en"),
        (None, "", "en"),
        (None, "garbage;;q=x", "en"),
        ("fr", "en", "fr"),
        ("xx", "fr", "fr"),
    ],
)
def test_the_language_of_a_request(cookie: str | None, header: str, expected: str) -> None:
    assert i18n.choose(cookie, header) == expected


def test_a_third_language_is_one_entry_away(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(i18n.LANGUAGES, "zh-Hans", ("zh_Hans", "中文"))
    assert i18n.choose(None, "zh-CN,zh;q=0.9,en;q=0.5") == "zh-Hans"
    assert i18n.choose(None, "en-US,zh-Hans;q=0.8") == "en"


def test_money_is_written_the_way_the_language_writes_it() -> None:
    template = environment().from_string('{{ 2900|money("EUR") }}|{{ 150|money("JPY") }}')
    assert template.render(lang="en") == "€29.00|¥150"
    assert template.render(lang="fr") == "29,00\xa0€|150\xa0JPY"
