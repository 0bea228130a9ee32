"""The shipped translation catalogs (locale/<ll>/LC_MESSAGES/): every string marked in the
templates, the JavaScript and the Python is in every catalog, translated, not fuzzy, and the
committed .mo says what its .po says.

The marked strings are found here without GNU gettext: templates through Django's own
`templatize` (what makemessages feeds xgettext), Python through its syntax tree, JavaScript by
the calls static/js makes. `make check-messages` (in .ci/run) compares with real xgettext."""

import ast
import io
import re
import tokenize
from functools import cache
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
LOCALE_DIR = ROOT / "locale"
# As the Makefile's makemessages: the app's code, not the tests, benchmarks or collected files.
SKIPPED_DIRS = {".venv", "tests", "bench", "staticfiles", "docs", "locale", "node_modules"}
SHIPPED = [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]
DOMAINS = ["django", "djangojs"]

Key = tuple[str | None, str]  # (msgctxt, msgid)

# xgettext's keywords as Django's makemessages passes them: name -> (context arg, msgid arg).
KEYWORDS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def source_files(suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*")
        if path.suffix in suffixes
        and path.is_file()
        and not any(
            part in SKIPPED_DIRS or part.startswith(".") for part in path.relative_to(ROOT).parts
        )
    )


def calls_in_python(source: str) -> set[Key]:
    keys = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in KEYWORDS:
            continue
        context_at, msgid_at = KEYWORDS[name]
        args = node.args
        if len(args) <= msgid_at or not all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            for arg in args[: msgid_at + 1]
        ):
            continue  # a variable: nothing to extract, as for xgettext
        context = args[context_at].value if context_at is not None else None
        keys.add((context, args[msgid_at].value))
    return keys


TEMPLATIZED_CALL = re.compile(r"\b(gettext|ngettext|pgettext|npgettext)\(")


def string_arguments(call: str) -> list[str]:
    """The string literals that open a call's argument list: `('a', 'b', count)` -> [a, b]."""
    strings = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(call).readline):
            if token.type == tokenize.STRING:
                strings.append(ast.literal_eval(token.string))
            elif token.string not in ("(", ","):
                break
    except tokenize.TokenError:
        pass  # the line goes on past the call: its end does not matter
    return strings


def calls_in_templatized(source: str) -> set[Key]:
    """Django's templatize turns a template into Python-like text, one gettext-family call per
    translatable string on a line of its own making; the rest need not parse."""
    keys = set()
    for line in source.splitlines():
        for match in TEMPLATIZED_CALL.finditer(line):
            strings = string_arguments(line[match.end() - 1 :])
            context_at, msgid_at = KEYWORDS[match.group(1)]
            if len(strings) > msgid_at:
                context = strings[context_at] if context_at is not None else None
                keys.add((context, strings[msgid_at]))
    return keys


JS_STRING = r'"((?:[^"\\]|\\.)*)"'
JS_CALL = re.compile(
    rf"\b(gettext|ngettext|pgettext|npgettext)\(\s*{JS_STRING}(?:\s*,\s*{JS_STRING})?"
)


def calls_in_javascript(source: str) -> set[Key]:
    keys = set()
    for name, first, second in JS_CALL.findall(source):
        first, second = (ast.literal_eval(f'"{text}"') for text in (first, second))
        keys.add(
            (first, second) if name.startswith("p") or name.startswith("np") else (None, first)
        )
    return keys


@cache
def marked(domain: str) -> frozenset[Key]:
    if domain == "djangojs":
        return frozenset(
            key for path in source_files((".js",)) for key in calls_in_javascript(path.read_text())
        )
    keys: set[Key] = set()
    for path in source_files((".html", ".txt")):
        keys |= calls_in_templatized(templatize(path.read_text(), origin=str(path)))
    for path in source_files((".py",)):
        keys |= calls_in_python(path.read_text())
    return frozenset(keys)


def catalog(locale: str, domain: str) -> polib.POFile:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `make messages`"
    return polib.pofile(str(path))


def live_entries(po: polib.POFile) -> dict[Key, polib.POEntry]:
    return {(entry.msgctxt, entry.msgid): entry for entry in po if not entry.obsolete}


def test_extraction_finds_the_strings_of_every_kind_of_source():
    """If these fail, the reading above went wrong, and the catalog tests would prove nothing."""
    django = marked("django")
    assert (None, "Fact-check workbench") in django  # {% translate %}
    assert ("keyboard key", "Enter") in django  # {% translate ... context %}
    assert (None, "Page %(number)s of %(total)s") in django  # {% blocktranslate with %}
    assert (None, "%(counter)s article") in django  # {% blocktranslate count %}
    assert (None, "The browser's language") in django  # gettext_lazy in Python
    javascript = marked("djangojs")
    assert (None, "Select mode off.") in javascript
    assert ("job status", "Queued") in javascript
    assert (None, "Select mode off.") not in django


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", SHIPPED)
def test_catalog_holds_every_marked_string(locale, domain):
    missing = sorted(marked(domain) - live_entries(catalog(locale, domain)).keys(), key=str)
    assert not missing, (
        f"{len(missing)} string(s) not in locale/{locale}/{domain}.po (run `make messages`, "
        f"then translate): {missing[:10]}"
    )


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", SHIPPED)
def test_catalog_is_translated_and_not_fuzzy(locale, domain):
    entries = live_entries(catalog(locale, domain))
    fuzzy = [key for key, entry in entries.items() if "fuzzy" in entry.flags]
    untranslated = [
        key
        for key in marked(domain)
        if key in entries
        and not (
            all(entries[key].msgstr_plural.values())
            if entries[key].msgid_plural
            else entries[key].msgstr
        )
    ]
    assert not fuzzy, f"fuzzy in locale/{locale}/{domain}.po: {sorted(fuzzy, key=str)[:10]}"
    assert not untranslated, (
        f"{len(untranslated)} untranslated in locale/{locale}/{domain}.po: "
        f"{sorted(untranslated, key=str)[:10]}"
    )


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", SHIPPED)
def test_compiled_catalog_matches_its_po(locale, domain):
    """The committed .mo (what Django reads) says what the .po says: `make compile-messages`
    was run after the last edit."""
    po = catalog(locale, domain)
    mo_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.mo"
    assert mo_path.is_file(), f"{mo_path.relative_to(ROOT)} is missing: `make compile-messages`"
    expected = {
        key: (entry.msgstr, dict(entry.msgstr_plural))
        for key, entry in live_entries(po).items()
        if key[1]
        and "fuzzy" not in entry.flags
        and (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
    }
    compiled = {
        (entry.msgctxt, entry.msgid): (entry.msgstr, dict(entry.msgstr_plural))
        for entry in polib.mofile(str(mo_path))
        if entry.msgid
    }
    assert compiled == expected, (
        f"locale/{locale}/LC_MESSAGES/{domain}.mo differs from its .po: `make compile-messages`"
    )
