"""cases: every accepted case (办件) followed to its result

Revision ID: 0017
Revises: 0024
Create Date: 2026-12-07 14:30:00

Three new tables (issue 17, "Cases followed to their result"): cases, case_tasks (a joint case's
departments) and case_changes (each step and correction, with who, when, before and after).
The tickets already finished as a case (any outcome but immediate) get their case, opened when
they were accepted, at the window that accepted them; a completion already entered
(case_completions) makes its case done on that day. case_completions itself is unchanged: the
assessment keeps reading it.
"""
import json
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0017'
down_revision = '0024'
branch_labels = None
depends_on = None

KINDS = ('promised', 'joint', 'forwarded', 'supplement', 'rejected')


def upgrade() -> None:
    cases = op.create_table(
        'cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('window_id', sa.Integer(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('accepted_by', sa.String(length=120), nullable=False),
        sa.Column('opened_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('promised_days', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('delay_reason', sa.Text(), nullable=True),
        sa.Column('escalated_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('completed_on', sa.Date(), nullable=True),
        sa.Column('result_ready_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('notified_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('delivered_by', sa.String(length=120), nullable=True),
        sa.Column('delivered_to', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.ForeignKeyConstraint(['window_id'], ['windows.id']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id'),
    )
    op.create_index('ix_cases_hall_status_due', 'cases', ['hall_id', 'status', 'due_on'])
    op.create_table(
        'case_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=8), nullable=False),
        sa.Column('task', sa.String(length=200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('done_by', sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_tasks_case_id', 'case_tasks', ['case_id'])
    op.create_table(
        'case_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_changes_case_id', 'case_changes', ['case_id'])
    _open_the_cases_already_accepted(cases)


def _open_the_cases_already_accepted(cases) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT t.id, t.hall_id, t.outcome, t.due_date, e.at, e.window_id, e.actor, e.data, "
        "w.department_id AS wdept, i.department_id AS idept, c.completed_on, c.entered_at, h.timezone "
        "FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id AND e.kind = 'finished' "
        "JOIN halls h ON h.id = t.hall_id JOIN items i ON i.id = t.item_id LEFT JOIN windows w ON w.id = e.window_id "
        "LEFT JOIN case_completions c ON c.ticket_id = t.id "
        "WHERE t.status = 'finished' AND t.outcome IN ('promised', 'joint', 'forwarded', 'supplement', 'rejected') "
        "ORDER BY e.id").columns(  # typed, so SQLite's stored text comes back as dates and aware times
            due_date=sa.Date(), at=hallq.db.UTCDateTime(), completed_on=sa.Date(),
            entered_at=hallq.db.UTCDateTime())).all()
    last: dict[int, tuple] = {}
    for row in rows:  # the last finish accepted the case (earlier legs went to other windows)
        last[row[0]] = row
    fresh = []
    for (ticket, hall, kind, due, at, window, actor, data, wdept, idept, completed, entered, zone) in last.values():
        data = json.loads(data) if isinstance(data, str) else dict(data or {})
        details = {k: data[k] for k in ("missing_materials", "note", "departments") if data.get(k)}
        if kind == 'rejected':  # 答复件: the written reason is the result, ready the day it was given
            details['reason'] = data.get('note') or ''
            completed = at.astimezone(ZoneInfo(zone or 'Asia/Shanghai')).date()
        status = 'done' if completed is not None or kind == 'rejected' else (
            'waiting' if kind == 'supplement' else 'open')
        fresh.append({'hall_id': hall, 'ticket_id': ticket, 'kind': kind, 'status': status, 'window_id': window,
                      'department_id': wdept or idept, 'accepted_by': actor, 'opened_at': at,
                      'promised_days': data.get('promised_days'), 'due_on': due, 'details': details,
                      'completed_on': completed, 'result_ready_at': at if kind == 'rejected' else entered})
    if fresh:
        op.bulk_insert(cases, fresh)


def downgrade() -> None:
    op.drop_index('ix_case_changes_case_id', table_name='case_changes')
    op.drop_table('case_changes')
    op.drop_index('ix_case_tasks_case_id', table_name='case_tasks')
    op.drop_table('case_tasks')
    op.drop_index('ix_cases_hall_status_due', table_name='cases')
    op.drop_table('cases')
