"""many rooms: each session names its room and whether it is a restart; the fleet's room states

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('attempt', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_index(batch_op.f('ix_sessions_room'), ['room'], unique=False)
    op.create_table('fleet_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False, server_default=''),
    sa.Column('engine', sa.String(length=40), nullable=False, server_default='local'),
    sa.Column('started', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.Column('restarts', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fleet_rooms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fleet_rooms_name'), ['name'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('fleet_rooms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fleet_rooms_name'))
    op.drop_table('fleet_rooms')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_room'))
        batch_op.drop_column('attempt')
        batch_op.drop_column('room')
