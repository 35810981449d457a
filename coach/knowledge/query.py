"""Query normalisation: everyday typing turned into the plain words the index was built from.

People type "im", "u", "whats", "bc" and "lol"; the embedding model reads "I'm", "you",
"what's" and "because" far better, and filler carries no topic. Only whole tokens are
rewritten, so the question keeps its own words and order.
"""

from __future__ import annotations

import re

TEXTISMS = {
    "u": "you",
    "ur": "your",
    "im": "I'm",
    "ive": "I've",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "theyre": "they're",
    "shes": "she's",
    "hes": "he's",
    "whats": "what's",
    "thru": "through",
    "bc": "because",
    "cuz": "because",
    "ppl": "people",
    "abt": "about",
    "pls": "please",
    "tho": "though",
    "yr": "year",
    "yrs": "years",
    "kinda": "kind of",
}
FILLER = ("lol", "tbh", "honestly", "basically", "literally", "omg", "ugh")
_TEXTISM = re.compile(r"(?<![\w'’])(" + "|".join(map(re.escape, TEXTISMS)) + r")(?![\w'’/])", re.IGNORECASE)
_FILLER = re.compile(r"(?<![\w'’])(?:" + "|".join(FILLER) + r")(?![\w'’])[,.!]*", re.IGNORECASE)
_REPEATED_MARK = re.compile(r"([?!.])\1+")


def normalise_query(query: str) -> str:
    """``query`` with textisms spelt out, filler dropped and repeated ?!. collapsed."""
    text = _FILLER.sub(" ", _REPEATED_MARK.sub(r"\1", query))
    text = _TEXTISM.sub(lambda m: TEXTISMS[m.group(1).lower()], text)
    return re.sub(r"\s+([?!.,;:])", r"\1", " ".join(text.split()))
