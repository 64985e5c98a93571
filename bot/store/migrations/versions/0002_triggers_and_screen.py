"""replies answer several comments (triggers); on-screen answers (screen_answers)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('triggers', sa.JSON(), nullable=True))
    op.create_table('screen_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('triggers', sa.JSON(), nullable=True),
    sa.Column('skus', sa.JSON(), nullable=True),
    sa.Column('t_shown', sa.Float(), nullable=False),
    sa.Column('t_hidden', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('screen_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screen_answers_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screen_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screen_answers_session_id'))
    op.drop_table('screen_answers')
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_column('triggers')
