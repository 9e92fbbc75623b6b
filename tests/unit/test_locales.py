"""The translation template matches the code, and every shipped translation matches the template."""
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "unicornia" / "locales"
SHIPPED = ("de-DE", "es-ES")


def entries(catalog: polib.POFile) -> set[str]:
    return {entry.msgid for entry in catalog if not entry.obsolete}


def test_the_pot_is_up_to_date_with_the_code(tmp_path):
    """What `make locales` would write now, compared by message (line numbers may move)."""
    fresh = tmp_path / "locales"
    subprocess.run([str(Path(sys.executable).parent / "redgettext"), "--command-docstrings", "--recursive",
                    "--relative-to-cwd", "--output-dir", str(fresh), "unicornia"], cwd=ROOT, check=True,
                   capture_output=True)
    committed, current = polib.pofile(str(LOCALES / "messages.pot")), polib.pofile(str(fresh / "messages.pot"))
    missing, stale = entries(current) - entries(committed), entries(committed) - entries(current)
    assert not missing and not stale, (
        f"unicornia/locales/messages.pot is out of date: run `make locales` "
        f"({len(missing)} new, {len(stale)} gone; e.g. {sorted(missing or stale)[:3]})")


@pytest.mark.parametrize("locale", SHIPPED)
def test_each_translation_is_complete_and_keeps_the_placeholders(locale):
    import string

    template = entries(polib.pofile(str(LOCALES / "messages.pot")))
    catalog = polib.pofile(str(LOCALES / f"{locale}.po"))
    translated = {e.msgid: e.msgstr for e in catalog if e.msgstr and not e.obsolete and "fuzzy" not in e.flags}
    missing = template - set(translated)
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {sorted(missing)[:3]}"
    stale = set(translated) - template  # a text the code no longer has: dead weight a translator may still read
    assert not stale, f"{locale}: {len(stale)} no longer in the template, e.g. {sorted(stale)[:3]}"

    def fields(text: str) -> set[str]:
        try:
            return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            return {"<broken>"}

    wrong = [msgid for msgid, msgstr in translated.items() if fields(msgid) != fields(msgstr)]
    assert not wrong, f"{locale}: placeholders differ in {wrong[:3]}"


def test_the_shipped_achievements_texts_are_listed_for_translation():
    import yaml

    from unicornia.core.shipped_text import shipped_texts

    shipped = yaml.safe_load((ROOT / "unicornia" / "achievements.yml").read_text(encoding="utf-8"))["achievements"]
    expected = [text for a in shipped.values() for text in (a["title"], a["description"])]
    assert list(shipped_texts()) == expected, "regenerate unicornia/core/shipped_text.py from achievements.yml"


@pytest.mark.parametrize("region, expected", [
    ("en-US", ["1.5", "2", "0.25", "1,234.5", "2.0", "1,235"]),
    ("de-DE", ["1,5", "2", "0,25", "1.234,5", "2,0", "1.235"]),
    ("fr-FR", ["1,5", "2", "0,25", "1\N{NARROW NO-BREAK SPACE}234,5", "2,0", "1\N{NARROW NO-BREAK SPACE}235"]),
])
def test_fractions_follow_the_regional_format(region, expected):
    import contextvars

    from redbot.core.i18n import set_contextual_regional_format
    from unicornia.i18n import decimal

    def shown():
        set_contextual_regional_format(region)  # as Red does for a server's command
        return [decimal(1.5), decimal(2.0), decimal(0.25), decimal(1234.5, 1), decimal(2, 1), decimal(1234.6, 0)]

    assert contextvars.copy_context().run(shown) == expected


def test_fractions_no_regional_format_writes_well_are_written_as_python_does():
    from unicornia.i18n import decimal

    assert [decimal(v) for v in (1e300, float("inf"), float("nan"), 1e-9)] == ["1e+300", "inf", "nan", "1e-09"]
    assert decimal(1e-9, 1) == "1e-09" and decimal(0.0, 1) == "0.0"
    assert (decimal(10 ** 400), decimal(-10 ** 400)) == ("∞", "-∞")  # past any float: Babel and :g both fail


def test_fractions_keep_the_digits_an_admin_typed():
    """A refusal shows the value back: 10.0004 must not read as 10, nor a curve's 0.0015 as 0.002."""
    from unicornia.core.levels import Curve
    from unicornia.i18n import decimal

    assert [decimal(v) for v in (10.0004, 0.0095, 1.23456, 0.000123)] == ["10.0004", "0.0095", "1.23456", "0.000123"]
    assert Curve.of("custom", (0.0015, 1.23456, 2)).formula() == "custom: total = 0.0015·L³ + 1.23456·L² + 2·L"
