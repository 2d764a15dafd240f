"""The audit log with NEN 7513's fields, chained by hash: each record's position, on whose
behalf it was done, which kind of data, whose data (a person, when no conference says it), and
its hash; the chain's head in a table of its own. The records already there get their
fields from their action and are chained in the order they were written (id), so
`kring audit verify` holds on an upgraded database. The log no longer points at the conference
table: it outlives an erased conference.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08
"""

import hashlib
import json
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

# The actions written before this revision, with their kind of data and capacity (frozen here:
# the application's catalogue may grow, these rows do not change).
_OLD_ACTIONS = {
    "request.submitted": ("request", "self"),
    "request.assigned": ("request", "manager"),
    "minimum_requirement.set": ("request", "self"),
    "circle.nudged": ("circle", "coordinator"),
    "invitee.added": ("circle", "coordinator"),
    "invitee.added_applicant": ("circle", "coordinator"),
    "invitee.new_link": ("circle", "coordinator"),
    "slots.proposed": ("meeting", "coordinator"),
    "meeting.fixed": ("meeting", "coordinator"),
    "meeting.changed": ("meeting", "coordinator"),
    "meeting.cancelled": ("meeting", "coordinator"),
    "plan.published": ("plan", "coordinator"),
    "staff.joined": ("staff", "self"),
}


def _classify(action: str, staff_roles: dict[int, str], actor: int) -> tuple[str, str]:
    if action in _OLD_ACTIONS:
        return _OLD_ACTIONS[action]
    if action.startswith("invitation.refused."):
        return "invitation", "self"
    if action == "request.opened":  # a manager or the request's coordinator: who is it now?
        return "request", staff_roles.get(actor, "unknown")
    return "unknown", "unknown"


def _canonical(fields: list[object]) -> str:
    """As storage/repositories/audit.py's `canonical` (a copy: migrations stay as written)."""
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=True)


def _utc(at: datetime) -> str:
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_constraint("fk_audit_conference_id_conference", type_="foreignkey")
        batch.alter_column("actor_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("position", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("on_behalf_of", sa.String(16), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("salt", sa.String(32), nullable=True))
        batch.add_column(sa.Column("who", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )

    connection = op.get_bind()
    audit = sa.table(
        "audit",
        sa.column("id", sa.Integer()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor_id", sa.BigInteger()),
        sa.column("action", sa.String()),
        sa.column("conference_id", sa.Integer()),
        sa.column("position", sa.BigInteger()),
        sa.column("on_behalf_of", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("salt", sa.String()),
        sa.column("who", sa.String()),
        sa.column("hash", sa.String()),
    )
    staff = sa.table(
        "staff", sa.column("person_id", sa.BigInteger()), sa.column("role", sa.String())
    )
    staff_roles = connection.execute(sa.select(staff.c.person_id, staff.c.role))
    roles = {int(person): str(role) for person, role in staff_roles}
    rows = connection.execute(
        sa.select(
            audit.c.id, audit.c.at, audit.c.actor_id, audit.c.action, audit.c.conference_id
        ).order_by(audit.c.id)
    ).all()
    previous, updates = GENESIS, []
    for position, row in enumerate(rows, start=1):
        kind, on_behalf_of = _classify(row.action, roles, row.actor_id)
        salt = secrets.token_hex(16)
        # who acted, and whose data (not known before): a digest under the row's salt
        who = hashlib.sha256(json.dumps([salt, row.actor_id, None]).encode("ascii")).hexdigest()
        fields: list[object] = [
            position,
            _utc(row.at),
            who,
            on_behalf_of,
            row.action,
            kind,
            row.conference_id,
        ]
        previous = hashlib.sha256((previous + _canonical(fields)).encode("ascii")).hexdigest()
        updates.append(
            {
                "row_id": row.id,
                "p": position,
                "o": on_behalf_of,
                "k": kind,
                "s": salt,
                "w": who,
                "h": previous,
            }
        )
    if updates:
        connection.execute(
            audit.update()
            .where(audit.c.id == sa.bindparam("row_id"))
            .values(
                position=sa.bindparam("p"),
                on_behalf_of=sa.bindparam("o"),
                kind=sa.bindparam("k"),
                salt=sa.bindparam("s"),
                who=sa.bindparam("w"),
                hash=sa.bindparam("h"),
            ),
            updates,
        )
    head = sa.table(
        "audit_head",
        sa.column("id", sa.Integer()),
        sa.column("position", sa.BigInteger()),
        sa.column("hash", sa.String()),
    )
    connection.execute(head.insert().values(id=1, position=len(rows), hash=previous))

    with op.batch_alter_table("audit") as batch:
        batch.alter_column("position", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("on_behalf_of", existing_type=sa.String(16), nullable=False)
        batch.alter_column("kind", existing_type=sa.String(16), nullable=False)
        batch.alter_column("who", existing_type=sa.String(64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint(op.f("uq_audit_position"), ["position"])
        batch.create_index(op.f("ix_audit_subject_id"), ["subject_id"])


def downgrade() -> None:
    op.drop_table("audit_head")
    op.execute("DELETE FROM audit WHERE actor_id IS NULL")
    op.execute(
        "UPDATE audit SET conference_id = NULL WHERE conference_id IS NOT NULL AND "
        "conference_id NOT IN (SELECT id FROM conference)"
    )
    with op.batch_alter_table("audit") as batch:
        batch.drop_index(op.f("ix_audit_subject_id"))
        batch.drop_constraint(op.f("uq_audit_position"), type_="unique")
        batch.drop_column("hash")
        batch.drop_column("who")
        batch.drop_column("salt")
        batch.drop_column("subject_id")
        batch.drop_column("kind")
        batch.drop_column("on_behalf_of")
        batch.drop_column("position")
        batch.alter_column("actor_id", existing_type=sa.BigInteger(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_audit_conference_id_conference"), "conference", ["conference_id"], ["id"]
        )
