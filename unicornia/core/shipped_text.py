"""The shipped achievements' titles and descriptions (``achievements.yml``), listed so that
``redgettext`` extracts them for translation; ``tests/unit/test_locales.py`` checks this list
against the file. Shown through :attr:`Achievement.shown_title` and ``shown_description``."""
from ..i18n import _


def shipped_texts() -> tuple[str, ...]:
    """Every shipped title and description, in the current language."""
    return (
        _('First Words'), _('Send your first message.'),  # first-words
        _('Chatterbox'), _('Send 100 messages.'),  # chatterbox
        _('Storyteller'), _('Send 1,000 messages.'),  # storyteller
        _('Linker'), _('Share 10 links.'),  # linker
        _('Helpful'), _('Be thanked 5 times.'),  # helpful
        _('Pillar of the Community'), _('Be thanked 50 times.'),  # pillar
        _('Reactor'), _('Add 50 reactions.'),  # reactor
        _('Power User'), _('Use 50 bot commands.'),  # power-user
        _('Heard'), _('Spend an hour in voice.'),  # voice-hour
        _('On the Air'), _('Spend 24 hours in voice.'),  # voice-day
        _('Level Up!'), _('Reach level 5.'),  # level-5
        _('Regular'), _('Reach level 10.'),  # level-10
        _('Veteran'), _('Reach level 25.'),  # level-25
        _('Week Streak'), _('Claim your daily reward 7 days in a row.'),  # streak-7
        _('Month Streak'), _('Claim your daily reward 30 days in a row.'),  # streak-30
    )
