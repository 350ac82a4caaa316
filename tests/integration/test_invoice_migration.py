"""The invoice database's migration to credit-line history, confirmation forms and partial
red-letter invoices, run on the chosen backend (ONESTOP_TEST_DB: SQLite or PostgreSQL) over rows
the previous revision wrote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

import svc_invoice
from onestop_common.db import UtcDateTime, make_engine
from tests.support.infra import databases
from tests.support.service_db import TEST_KEK

BEFORE = "397201212ab7"
AFTER = "27f491a41406"
APPROVED_AT = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
BLUE, RED, RED_2 = "26121000000000000001", "26121000000000000002", "26121000000000000003"
MIGRATIONS = Path(svc_invoice.__file__).parent / "migrations"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with databases(tmp_path) as template:
        engine = make_engine(template.format(component="invoice"), kek=TEST_KEK)
        try:
            yield engine
        finally:
            engine.dispose()


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["version_table"] = "alembic_version_invoice"
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _at(statement: str) -> sa.TextClause:
    return sa.text(statement).bindparams(sa.bindparam("at", type_=UtcDateTime()))


def add_invoice(connection: sa.Connection, number: str, reverses: str | None, amount: str) -> None:
    connection.execute(
        _at(
            "INSERT INTO invoices (number, taxpayer_id, kind, buyer_name, buyer_taxpayer_id, "
            "lines, total_amount, total_tax, total_with_tax, issued_at, month, issued_by, "
            "reverses, reason, request_digest, rules) VALUES (:number, '91120115MA05XY1276', "
            "'digital_ordinary', '买方', '', '[]', :amount, '0.00', :amount, :at, '2026-11', "
            "'alice', :reverses, '', '', '[]')"
        ),
        {"number": number, "amount": amount, "at": APPROVED_AT, "reverses": reverses},
    )


def test_upgrade_starts_each_credit_line_history_and_allows_several_red_letters(engine):
    migrate(engine, BEFORE)
    with engine.begin() as connection:
        for uscc, state, line in (
            ("91120115MA05XY1276", "active", "30000.00"),
            ("91120115MA05XY1284", "pending_approval", ""),
        ):
            connection.execute(
                _at(
                    "INSERT INTO taxpayers (taxpayer_id, case_id, applicant_id, company_name, "
                    "division_code, tax_office, state, vat_status, vat_legal_basis, "
                    "legal_rep_name, legal_rep_id_type, legal_rep_id_number, legal_rep_phone, "
                    "finance_name, finance_id_type, finance_id_number, finance_phone, "
                    "declares_proper_accounts, requested, kinds, max_amount_per_invoice, "
                    "monthly_quantity, credit_line, decided_by, task_id, rules, registered_at, "
                    "approved_at, cancel_reason, cancellation_red_letters, "
                    "cancellation_originals) VALUES (:uscc, 'OS-1', 'alice', '公司', '120115', "
                    "'局', :state, 'small_scale', '', '张伟', 'citizen_id', '1', '', '张伟', "
                    "'citizen_id', '1', '', true, '{}', '[]', '', 0, :line, 'tax-officer-1', '', "
                    "'[]', :at, :approved, '', '[]', '[]')"
                ).bindparams(sa.bindparam("approved", type_=UtcDateTime())),
                {
                    "uscc": uscc,
                    "state": state,
                    "line": line,
                    "at": APPROVED_AT,
                    "approved": APPROVED_AT if line else None,
                },
            )
        add_invoice(connection, BLUE, None, "1000.00")
        add_invoice(connection, RED, BLUE, "-1000.00")

    migrate(engine, AFTER)
    with engine.begin() as connection:
        history = connection.execute(
            sa.text(
                "SELECT taxpayer_id, kind, old_value, new_value, changed_by, changed_at "
                "FROM credit_line_changes"
            ).columns(changed_at=UtcDateTime())
        ).all()
        assert [tuple(row) for row in history] == [
            ("91120115MA05XY1276", "granted", "", "30000.00", "tax-officer-1", APPROVED_AT)
        ]
        invoices = connection.execute(
            sa.text("SELECT number, booked_at, booked_by, confirmation_number FROM invoices")
        ).all()
        assert sorted(tuple(row) for row in invoices) == [
            (BLUE, None, "", None),
            (RED, None, "", None),
        ]
        forms = connection.execute(
            sa.text("SELECT cancellation_forms FROM taxpayers").columns(
                cancellation_forms=sa.JSON()
            )
        ).scalars()
        assert list(forms) == [[], []]
        # A second (partial) red-letter invoice against the same blue invoice is now allowed.
        add_invoice(connection, RED_2, BLUE, "-1.00")

    with engine.begin() as connection:
        connection.execute(sa.text(f"DELETE FROM invoices WHERE number = '{RED_2}'"))
    migrate(engine, BEFORE, down=True)
    # Back on the older schema one blue invoice has at most one red-letter invoice again.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        add_invoice(connection, RED_2, BLUE, "-1.00")
    migrate(engine, "head")
