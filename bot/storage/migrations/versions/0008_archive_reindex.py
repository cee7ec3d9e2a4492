"""The archive index built again with the analysis of index version 3.

Revision ID: 0008
Revises: 0007

Version 3 of the matcher's analysis files more words (issue 14): a hyphenated compound, a
compounding prefix with its word and a name particle with its name are also filed as one
solid word (``sous-traitance`` as ``soustraitance``, ``Ben Slimane`` as ``benslimane``), and
two-consonant names get a name key (``وجدة``, ``Fès``); an index built before would miss
those articles. ``bot.storage.archive_build.rebuild`` builds it again, unless it already
holds version 3 (a database that came through ``0006`` with this code). Downgrading keeps
the index: an older analysis finds a subset of what it proposes, and every candidate is
verified.
"""

from alembic import op

from bot.storage.archive_build import rebuild

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rebuild(op.get_bind())


def downgrade() -> None:
    pass
