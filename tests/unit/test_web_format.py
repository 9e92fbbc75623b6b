"""The web pages' fast paths write exactly what discord.py and Red would: avatar URLs as
``Asset.replace(size=..., static_format="png").url``, numbers as ``humanize_number``."""
from __future__ import annotations

import babel.localedata
import babel.numbers
import discord
import pytest
from babel.core import Locale

from unicornia.web.data import AVATAR_SIZE, ICON_SIZE, sized_url
from unicornia.web.render import number_formatter

USER, GUILD = 123456789012345678, 987654321098765432
ASSETS = {
    "avatar": discord.Asset._from_avatar(None, USER, "0123456789abcdef0123456789abcdef"),
    "animated avatar": discord.Asset._from_avatar(None, USER, "a_0123456789abcdef0123456789abcdef"),
    "guild avatar": discord.Asset._from_guild_avatar(None, GUILD, USER, "fedcba9876543210fedcba9876543210"),
    "animated guild avatar": discord.Asset._from_guild_avatar(None, GUILD, USER, "a_fedcba9876543210fedcba9876543210"),
    "default avatar": discord.Asset._from_default_avatar(None, 3),
    "guild icon": discord.Asset._from_guild_icon(None, GUILD, "00112233445566778899aabbccddeeff"),
    "animated guild icon": discord.Asset._from_guild_icon(None, GUILD, "a_00112233445566778899aabbccddeeff"),
}


@pytest.mark.parametrize("name", sorted(ASSETS))
@pytest.mark.parametrize("size", [AVATAR_SIZE, ICON_SIZE])
def test_sized_url_is_what_discord_py_builds(name, size):
    asset = ASSETS[name]
    assert sized_url(asset, size) == asset.replace(size=size, static_format="png").url


def test_animated_assets_stay_gif_and_still_ones_are_png():
    assert sized_url(ASSETS["animated avatar"], 64).endswith(".gif?size=64")
    assert sized_url(ASSETS["default avatar"], 64) == "https://cdn.discordapp.com/embed/avatars/3.png?size=64"


NUMBERS = [0, 1, 42, 999, 1000, 1001, 65_536, 999_999, 1_000_000, 123_456_789, 10**12 + 7, -5, -1234, 2.5, 1234.75]


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "es_ES", "ru_RU", "hi_IN", "en_IN", "ar_EG", "ja_JP",
                                    "pt_BR", "pl_PL", "sv_SE", "de_CH", "fa_IR"])
def test_numbers_are_written_as_babel_writes_them(locale):
    loc = Locale.parse(locale)
    number = number_formatter(loc)
    for n in NUMBERS:
        assert number(n) == babel.numbers.format_decimal(n, locale=loc)


def test_every_locale_agrees_with_babel_on_a_page_s_integers():
    for ident in babel.localedata.locale_identifiers()[::7]:
        loc = Locale.parse(ident)
        number = number_formatter(loc)
        for n in (0, 999, 1000, 54_321, 1_000_000, 987_654_321):
            assert number(n) == babel.numbers.format_decimal(n, locale=loc), (ident, n)
