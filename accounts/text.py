"""How names and addresses are folded for search: case, accents, apostrophes.

A clerk types "lefevre" for Lefèvre, "oconnell" or "o'connell" for O'Connell
(stored with a straight or a curly apostrophe).
Both the stored ``search_document`` and the words typed go through ``fold``;
the document also carries each word that has an apostrophe or hyphen written
without it (``joined_words``).
"""

from __future__ import annotations

import re
import unicodedata

# Right and left single quotation marks, grave accent, modifier letter apostrophe.
_QUOTES = str.maketrans(dict.fromkeys("\u2019\u2018`\u02bc", "'"))
_JOINERS = re.compile(r"['\-]")


def fold(text: str) -> str:
    """Lower case, accents dropped (é -> e), curly apostrophes made straight."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def joined_words(folded: str) -> list[str]:
    """Words of already folded text that have an apostrophe or hyphen, written without."""
    return [
        joined
        for word in folded.split()
        if _JOINERS.search(word) and (joined := _JOINERS.sub("", word))
    ]
