"""The archive index built again with the analysis of index version 5.

Revision ID: 0010
Revises: 0009

Version 5 of the matcher's analysis reads the Arabic ``تش`` as one consonant, the English
"ch" it writes (``تشاد`` / ``Chad``, ``سموتريتش`` / ``Smotrich``), so an Arabic word with
``تش`` is filed under another name key across scripts; and it files ``نيو`` with the word
after it also as one solid word (``نيو يورك`` as ``نيويورك``), as the other Arabic name
particles; and an English plural in ``-ves`` also under ``-f`` and ``-fe`` (``knives``
under ``knife``). An index built before would miss those articles.
``bot.storage.archive_build.rebuild`` builds it again, unless it already holds version 5 (a
database that came through ``0006`` with this code). Downgrading keeps the index: an older
analysis finds a subset of what it proposes, and every candidate is verified.
"""

from alembic import op

from bot.storage.archive_build import rebuild

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rebuild(op.get_bind())


def downgrade() -> None:
    pass
