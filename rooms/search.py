"""Searching people the way a desk types: without accents and without caring about case.

"muller" finds "Müller", "lodz" finds "Łódź", "strasse" finds "Straße". Both sides are folded in Python
with anyascii (transliteration to ASCII) and casefold, so SQLite and PostgreSQL give the same answers:
a guest's folded name is kept in `Guest.search_name` by the model, queries are folded by `fold`.
"""

from anyascii import anyascii


def fold(text: str | None) -> str:
    """Text as searches compare it: ASCII transliteration, case-folded, spaces collapsed."""
    return " ".join(anyascii(text or "").casefold().split())


def fold_terms(query: str | None) -> list[str]:
    """The folded words of a query, e.g. 'Müller  Anna' -> ['muller', 'anna']."""
    return fold(query).split()
