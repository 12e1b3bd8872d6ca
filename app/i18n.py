"""gettext for the whole program. Message ids are English; ``zh_CN`` is the default language.

Translations live in ``resources/i18n/<lang>/*.po``, one file per feature area (``core.po``,
``screening.po`` ...) so areas do not collide; they are merged into one catalogue. Packaging
compiles them into ``resources/i18n/<lang>/LC_MESSAGES/hrdesk.mo``; from a source checkout the
``.po`` files are compiled in memory with Babel on first use, so a fresh clone shows Chinese
without a build step.
"""

from __future__ import annotations

import gettext
import io
import os
from datetime import date
from pathlib import Path

from app import paths

DOMAIN = "hrdesk"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def po_files(lang: str) -> list[Path]:
    return sorted(paths.resource("i18n", lang).glob("*.po"))


def mo_path(lang: str) -> Path:
    return paths.resource("i18n", lang, "LC_MESSAGES", f"{DOMAIN}.mo")


def _load_catalog(lang: str) -> gettext.NullTranslations:
    pos = po_files(lang)
    mo = mo_path(lang)
    newest_po = max((p.stat().st_mtime for p in pos), default=0.0)
    if mo.exists() and mo.stat().st_mtime >= newest_po:
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if pos:
        buf = io.BytesIO()
        compile_catalog(pos, buf)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    return gettext.NullTranslations()


def read_catalog(pos: list[Path]):  # type: ignore[no-untyped-def]
    """Merge several .po files into one Babel catalogue (later files do not override earlier)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    merged = Catalog(locale=None, domain=DOMAIN, charset="utf-8")
    for po in pos:
        with po.open("rb") as fh:
            part = read_po(fh)
        for message in part:
            if message.id and message.id not in merged:
                merged[message.id] = message
    return merged


def compile_catalog(pos: list[Path], out: io.BufferedIOBase | io.BytesIO) -> None:
    from babel.messages.mofile import write_mo

    write_mo(out, read_catalog(pos), use_fuzzy=False)


def set_language(lang: str | None = None) -> str:
    """Activate a language (``zh_CN`` default, ``en``); returns the language in use."""
    global _translations, _language
    lang = lang or os.environ.get("HRDESK_LANG") or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    _translations = gettext.NullTranslations() if lang == "en" else _load_catalog(lang)
    _language = lang
    return lang


def language() -> str:
    return _language


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def babel_locale() -> str:
    """The CLDR locale for formatting in the current language (English as used in China: en)."""
    return "zh_Hans_CN" if _language == "zh_CN" else "en"


def format_money(fen: int, *, symbol: bool = True) -> str:
    """Integer fen as yuan for the current language: ``¥1,234.50`` (zh_CN), ``CN¥1,234.50`` (en).
    Without ``symbol``: ``1,234.50`` (tables and Excel cells, where the column says 元/CNY)."""
    from decimal import Decimal

    from babel.numbers import format_currency, format_decimal

    amount = Decimal(fen) / 100
    if not symbol:
        return format_decimal(amount, format="#,##0.00", locale=babel_locale())
    return format_currency(amount, "CNY", locale=babel_locale())


def format_number(value: float | int, decimals: int = 0) -> str:
    """Grouped number for the current language (``12,345`` / ``3.5``)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=babel_locale())


def format_date(value: date, style: str = "long") -> str:
    """A date for running text (letters, reports): ``2026年11月22日`` / ``November 22, 2026``.
    ``style="short"`` is ISO ``2026-11-22`` in both languages: tables and forms keep ISO dates, which
    sort, are unambiguous and are what Chinese hospital documents use."""
    if style == "short":
        return value.isoformat()
    from babel.dates import format_date as babel_format_date

    return babel_format_date(value, format=style, locale=babel_locale())


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translated where shown)."""
    return message


set_language()
