"""Club storage: the store's club methods (mixed into XpStore), run on the store's thread."""
from __future__ import annotations


class ClubQueries:
    """Mixed into :class:`~unicornia.db.store.XpStore`; uses its ``conn``, ``_transaction`` and thread."""
