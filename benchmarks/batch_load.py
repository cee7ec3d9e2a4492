"""The alerting workload at scale: many subscriptions, most of them rare names that the
article does not contain, and about 150 of them matching each article.

`load(n_subs, n_articles, seed)` gives ``(queries, articles)``.  About a third of the
queries are synthetic rare names (a first name and a surname made of syllables, in Latin
or Arabic letters, alone, in full, quoted, in an OR, with a topic, NEAR a topic or in the
title), unique to one subscription; the rest are the mixed subscriptions of
`benchmarks.corpus` (topics, known names, places, boolean queries, some with typos).  The
articles are those of `benchmarks.corpus` (Arabic, French and English, 150–600 words, with
proclitics on Arabic words, names in both scripts), each mentioning two of the rare names
of its script, half of the time with a proclitic (Arabic) or a doubled letter (Latin), so
that rare queries match now and then, and through the rules, not only literally.
"""

from __future__ import annotations

import random

from benchmarks.corpus import AR_COMMON, AR_FIRST, FR_COMMON, LATIN_FIRST, articles, subscriptions

RARE_SHARE = 0.35

_LATIN_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "r", "s", "t", "z", "ch", "kh", "tr", "br")
_LATIN_VOWELS = ("a", "e", "i", "o", "ou")
_LATIN_ENDINGS = ["i", "a", "ane", "ine", "ou", "ek", "at", ""]
_AR_CONSONANTS = "بتجدرزسشطعغفقكلمنه"
_AR_VOWELS = ["ا", "و", "ي", ""]
_AR_ENDINGS = ["ي", "ة", "ان", "ون", ""]


def _latin_surname(rng: random.Random) -> str:
    parts = [
        rng.choice(_LATIN_ONSETS) + rng.choice(_LATIN_VOWELS) for _ in range(rng.randint(2, 3))
    ]
    return ("".join(parts) + rng.choice(_LATIN_ENDINGS)).capitalize()


def _arabic_surname(rng: random.Random) -> str:
    parts = [rng.choice(_AR_CONSONANTS) + rng.choice(_AR_VOWELS) for _ in range(rng.randint(2, 3))]
    return "".join(parts) + rng.choice(_AR_CONSONANTS) + rng.choice(_AR_ENDINGS)


def rare_names(n: int, rng: random.Random) -> list[tuple[str, str, bool]]:
    """`n` distinct (first name, surname, arabic) triples with made-up surnames."""
    out: list[tuple[str, str, bool]] = []
    seen: set[str] = set()
    while len(out) < n:
        arabic = rng.random() < 0.5
        surname = _arabic_surname(rng) if arabic else _latin_surname(rng)
        if surname in seen or len(surname) < 5:
            continue
        seen.add(surname)
        out.append((rng.choice(AR_FIRST if arabic else LATIN_FIRST), surname, arabic))
    return out


def _rare_query(rng: random.Random, name: tuple[str, str, bool], other: str, topic: str) -> str:
    first, last, _ = name
    kind = rng.random()
    if kind < 0.35:
        return f"{first} {last}"
    if kind < 0.6:
        return last
    if kind < 0.7:
        return f'"{first} {last}"'
    if kind < 0.8:
        return f"{last} OR {other}"
    if kind < 0.88:
        return f"{last} {topic}"
    if kind < 0.94:
        return f"{last} NEAR/5 {topic}"
    return f"title:{last}"


def _variant(rng: random.Random, surname: str, arabic: bool) -> str:
    """The surname as an article may write it: as is, with a proclitic, or a letter doubled."""
    r = rng.random()
    if r < 0.5:
        return surname
    if arabic:
        return rng.choice("وبلف") + surname
    i = rng.randrange(2, len(surname) - 1)
    return surname[:i] + surname[i] + surname[i:]


def load(n_subs: int, n_articles: int, seed: int = 7) -> tuple[list[str], list[dict[str, str]]]:
    """(query strings, articles as ``{"id", "title", "text"}``), deterministic for a seed."""
    rng = random.Random(seed)
    n_rare = int(n_subs * RARE_SHARE)
    names = rare_names(n_rare + 1, rng)
    topics = [q for q in subscriptions(400, seed=seed + 1) if " " not in q and '"' not in q]
    queries = [
        _rare_query(rng, name, names[i + 1][1], rng.choice(topics))
        for i, name in enumerate(names[:n_rare])
    ]
    queries += subscriptions(n_subs - n_rare, seed=seed)
    rng.shuffle(queries)
    by_script = {
        True: [n for n in names if n[2]],
        False: [n for n in names if not n[2]],
    }
    docs: list[dict[str, str]] = []
    for article in articles(n_articles, seed=seed + 4):
        arabic = any("\u0600" <= ch <= "\u06ff" for ch in article["title"])
        common = AR_COMMON if arabic else FR_COMMON
        mentions = []
        for first, last, _ in rng.sample(by_script[arabic], 2):
            words = rng.sample(common, 6)
            words.insert(rng.randrange(6), f"{first} {_variant(rng, last, arabic)}")
            mentions.append(" ".join(words))
        text = article["text"] + " " + ". ".join(mentions) + "."
        docs.append({"id": article["id"], "title": article["title"], "text": text})
    return queries, docs
