"""Cameras and their evidence: the registry, AI alarms, snapshot photos (issue #17).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

* ``cameras``: one row per camera — its code (a GB/T 28181 id or the centre's own), name,
  group, WGS-84 position and the datum the file gave, grid cell, platform and the platform's
  id, main and sub stream URLs, PTZ, the online state the worker last saw and when.
* ``video_alarm_types``: an analysis platform's alarm type → the category its cases get.
* ``video_alarm_keys``: the key an analysis box or platform posts alarms with, by its account,
  known only by its SHA-256 digest.
* ``video_alarms``: every alarm received — camera, type, when it happened and arrived, the case
  it opened or was folded into (``folded``), its snapshot photo.  Indexed by (camera, type,
  occurred_at) for the fold's look-up.
* ``photos.camera_code`` / ``photos.frame_at``: a photo of kind ``video`` records the camera and
  the frame's instant.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
_CODE = 64  # db.tables.CODE, as it was when this revision was written
_NAME = 200  # db.tables.NAME
_URL = 1000
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the tables and the photo columns."""
    op.create_table(
        "cameras",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(_CODE), nullable=False),
        sa.Column("name", sa.String(_NAME), nullable=False),
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("crs", sa.String(16), nullable=False),
        sa.Column("cell", sa.String(_CODE), nullable=True),
        sa.Column("platform", sa.String(_CODE), nullable=False),
        sa.Column("platform_id", sa.String(128), nullable=False),
        sa.Column("main_url", sa.String(_URL), nullable=False),
        sa.Column("sub_url", sa.String(_URL), nullable=False),
        sa.Column("ptz", sa.Boolean(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=True),
        sa.Column("checked_at", TS, nullable=True),
        sa.Column("imported_by", sa.String(_CODE), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cameras"),
        sa.UniqueConstraint("code", name="uq_cameras_code"),
    )
    op.create_index("ix_cameras_cell", "cameras", ["cell"])
    op.create_index("ix_cameras_group_name", "cameras", ["group_name"])
    op.create_table(
        "video_alarm_types",
        sa.Column("alarm_type", sa.String(_CODE), nullable=False),
        sa.Column("category", sa.String(_CODE), nullable=False),
        sa.Column("note", sa.String(_NAME), nullable=False),
        sa.Column("updated_by", sa.String(_CODE), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("alarm_type", name="pk_video_alarm_types"),
    )
    op.create_table(
        "video_alarm_keys",
        sa.Column("username", sa.String(_CODE), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["username"], ["users.username"],
                                name="fk_video_alarm_keys_username_users"),
        sa.PrimaryKeyConstraint("username", name="pk_video_alarm_keys"),
    )
    op.create_table(
        "video_alarms",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("camera_code", sa.String(_CODE), nullable=False),
        sa.Column("alarm_type", sa.String(_CODE), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("sender", sa.String(_CODE), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("folded", sa.Boolean(), nullable=False),
        sa.Column("photo_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_video_alarms_case_id_cases"),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"],
                                name="fk_video_alarms_photo_id_photos"),
        sa.PrimaryKeyConstraint("id", name="pk_video_alarms"),
    )
    op.create_index("ix_video_alarms_camera_code_alarm_type_occurred_at", "video_alarms",
                    ["camera_code", "alarm_type", "occurred_at"])
    op.create_index("ix_video_alarms_case_id", "video_alarms", ["case_id"])
    # Plain ADD COLUMN (nullable): a batch would copy every stored image on SQLite.
    op.add_column("photos", sa.Column("camera_code", sa.String(_CODE), nullable=True))
    op.add_column("photos", sa.Column("frame_at", TS, nullable=True))


def downgrade() -> None:
    """Drop them (every camera, alarm, key and mapping goes; photos keep their images)."""
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("frame_at")
        batch.drop_column("camera_code")
    op.drop_index("ix_video_alarms_case_id", table_name="video_alarms")
    op.drop_index("ix_video_alarms_camera_code_alarm_type_occurred_at", table_name="video_alarms")
    op.drop_table("video_alarms")
    op.drop_table("video_alarm_keys")
    op.drop_table("video_alarm_types")
    op.drop_index("ix_cameras_group_name", table_name="cameras")
    op.drop_index("ix_cameras_cell", table_name="cameras")
    op.drop_table("cameras")
