"""The archive index built again with the analysis of index version 4.

Revision ID: 0009
Revises: 0008

Version 4 of the matcher's analysis files more words: an Arabic name particle (بن بو ابو عبد
ايت ولد) with the word after it is also filed as one solid word (``بن كيران`` as
``بنكيران``, ``عبد الرحمن`` as ``عبدالرحمن``), and so is the Latin particle ``Bel`` with its
name (``Bel Ksiri``), and an Arabic noun with a pronoun suffix also under the noun
(``أسطولها`` under ``أسطول``, ``حكومتها`` under ``حكومة``), and an indefinite noun in the
accusative also without its alef (``وفدا`` under ``وفد``); an index built before would
miss those articles.
``bot.storage.archive_build.rebuild`` builds it again, unless it already holds version 4 (a
database that came through ``0006`` with this code). Downgrading keeps the index: an older
analysis finds a subset of what it proposes, and every candidate is verified.
"""

from alembic import op

from bot.storage.archive_build import rebuild

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rebuild(op.get_bind())


def downgrade() -> None:
    pass
