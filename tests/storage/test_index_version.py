"""The archive index's recorded analysis version follows the keys the analysis files words
under: were the matcher to file a word under other keys without ``INDEX_VERSION`` changing,
a database indexed before would go on missing the articles only the new keys lead to (no
migration would rebuild it). The digest of the keys of every word of the dev set's articles
is pinned to the version: a rule change that moves keys fails here until the version is
bumped, with a migration that rebuilds (``bot.storage.archive_build.rebuild``), and
the digest recorded for the new version.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from bot.matching import AnalyzedDocument, Document
from bot.storage.archive_schema import INDEX_VERSION

DEV = Path(__file__).parents[1] / "data" / "matching" / "dev_matching.jsonl"
KEYS_DIGEST = {
    2: "b61ddebb1ff318af",
    3: "e69e0d5409791c98",
    4: "b12efc65e8c16c60",
    5: "033834ab4a3b3572",
}


def keys_digest() -> str:
    """BLAKE2b of every (word, capitalised, keys) the dev set's articles are filed under."""
    filed: dict[str, list[str]] = {}
    for line in DEV.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        document = AnalyzedDocument(Document(title=case["title"], text=case["text"]))
        for form in document.forms:
            for capitalised in (False, True):
                keys = document.term_keys(form, capitalised)
                filed[f"{form}|{capitalised}"] = sorted(keys)
    digest = hashlib.blake2b(digest_size=8)
    for name in sorted(filed):
        digest.update(f"{name}:{','.join(filed[name])}\n".encode())
    return digest.hexdigest()


def test_the_index_version_names_the_keys_words_are_filed_under() -> None:
    assert keys_digest() == KEYS_DIGEST.get(INDEX_VERSION), (
        "the analysis files words under other keys than index version "
        f"{INDEX_VERSION} did: bump INDEX_VERSION, add a migration that rebuilds the index "
        "and record this digest for the new version"
    )
