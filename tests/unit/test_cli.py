"""The ``onestop`` command line as a person meets it, without a platform: help texts, a closed
pipe, a platform that is not running, the check verdicts, and a portal password reset (the
portal's store on SQLite)."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from onestop_cli import client, main, portal_cmd
from onestop_common.settings import load_settings
from portal.store import PortalStore

ROOT = Path(__file__).resolve().parents[2]
RST_MARKUP = re.compile(r"::|`|:param|:return|\.\. ")


def onestop(
    *args: str, env: dict[str, str], stdin: str = "", **options: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        **options,  # type: ignore[call-overload]
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ONESTOP_")}
    env["ONESTOP_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{ROOT / 'proto'}"
    return env


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------------------- --help


def test_every_command_has_a_one_line_help_and_no_developer_markup() -> None:
    parser = main.build_parser()
    commands = main.subcommands(parser)
    names = {path for path, _line, _parser in commands}
    assert {"cases", "status", "bundle", "user password", "check", "calendar import"} <= names
    assert not RST_MARKUP.search(parser.format_help()), parser.format_help()
    for path, line, child in commands:
        assert line and "\n" not in line, f"onestop {path} has no one-line help"
        text = child.format_help()
        assert not RST_MARKUP.search(text), f"onestop {path} --help:\n{text}"
        # Its --help says what it does, not just its usage.
        assert child.description and child.description.strip(), path


def test_case_states_of_the_parser_are_the_clients() -> None:
    assert list(main.CASE_STATES) == list(client.STATE_NAMES)


# ---------------------------------------------------------------------------- pipes, no platform


def test_a_reader_that_left_gets_no_traceback(cli_env: dict[str, str]) -> None:
    """`onestop … | head -1`: the reader has gone when the command writes."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "onestop_cli.main", "check", "uscc", "91350211M00013FA1N"],
            env=cli_env,
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode in (0, main.EXIT_BROKEN_PIPE)
    assert "BrokenPipeError" not in result.stderr and "Traceback" not in result.stderr


def test_a_platform_that_is_not_running_is_named_with_what_to_do(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    monkeypatch.setenv("ONESTOP_DATA_DIR", cli_env["ONESTOP_DATA_DIR"])
    monkeypatch.setenv("ONESTOP_GRPC_PORT_BASE", str(port))
    # (bundle and watch find whom to act as the way status does, with the same answer)
    for command in (["status", "0" * 32], ["cases"]):
        assert main.main(command) != 0, command
        captured = capsys.readouterr()
        assert (
            f"the platform does not answer at 127.0.0.1:{port}: is the platform running? "
            "start it with `onestop up`"
        ) in captured.err, captured.err
        for raw in ("StatusCode", "debug_error_string", "Traceback", "_InactiveRpcError"):
            assert raw not in captured.out + captured.err, command


# ---------------------------------------------------------------------------- check


def test_a_corrupted_uscc_is_invalid_with_the_legacy_hint_second() -> None:
    out = io.StringIO()
    from onestop_cli.check import run_check

    assert run_check("uscc", "91350211M00013FA1N", out=out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == "invalid: uscc '91350211M00013FA1N'"
    assert lines[1].strip().startswith("hint: possibly a legacy pilot-era code")
    assert not any(line.startswith("legacy") for line in lines)


# ---------------------------------------------------------------------------- user password


@pytest.fixture(scope="module")
def portal_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalStore]:
    """One portal database for the module (migrating and hashing cost seconds); each test has
    accounts of its own."""
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("ONESTOP_")]:
            patch.delenv(key)
        patch.setenv("ONESTOP_DATA_DIR", str(tmp_path_factory.mktemp("portal") / "data"))
        settings = load_settings()
        store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
        store.add_user("li.ming", "first-password-1", "officer")
        store.add_user("zhao.lei", "first-password-3", "admin")
        store.add_user("wang.fang", "first-password-2", "entrepreneur")
        yield store
        store.close()


def test_generated_password_is_printed_once_and_signs_in(portal_store: PortalStore) -> None:
    out = io.StringIO()
    assert portal_cmd.reset_password("li.ming", generate=True, out=out) == 0
    printed = out.getvalue()
    password = printed.split("new password (shown once): ")[1].strip()
    assert printed.count(password) == 1
    assert portal_store.authenticate("li.ming", password) is not None
    assert portal_store.authenticate("li.ming", "first-password-1") is None


def test_password_asked_twice_without_echo(
    portal_store: PortalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["chosen-password-9", "chosen-password-9", "one-thing", "another-thing"])
    monkeypatch.setattr(portal_cmd.getpass, "getpass", lambda prompt="": next(answers))
    out = io.StringIO()
    assert portal_cmd.reset_password("zhao.lei", generate=False, stdin=Terminal(), out=out) == 0
    assert "chosen-password-9" not in out.getvalue()
    assert portal_store.authenticate("zhao.lei", "chosen-password-9") is not None
    err = io.StringIO()
    assert portal_cmd.reset_password("zhao.lei", generate=False, stdin=Terminal(), err=err) == 2
    assert "differ" in err.getvalue()
    assert portal_store.authenticate("zhao.lei", "chosen-password-9") is not None


def test_only_staff_passwords_are_reset(portal_store: PortalStore) -> None:
    err = io.StringIO()
    assert portal_cmd.reset_password("wang.fang", generate=True, err=err) == 1
    assert "identity provider" in err.getvalue()
    assert portal_store.authenticate("wang.fang", "first-password-2") is not None
    assert portal_cmd.reset_password("nobody", generate=True, err=io.StringIO()) == 1


def test_up_names_the_accounts_without_their_passwords(portal_store: PortalStore) -> None:
    from onestop_cli.platform import explain_up

    lines = "\n".join(explain_up(load_settings()))
    assert "li.ming" in lines and "onestop user password NAME --generate" in lines
    assert "first-password" not in lines
    assert "onestop user add NAME --role seal_maker --org 001" in lines
    assert "seal: physical seals always wait for the seal maker" in lines
    assert "license: automatic for standard cases" in lines


def test_status_says_when_the_business_clock_is_paused() -> None:
    from datetime import UTC, datetime

    from onestop.common.v1 import common_pb2
    from onestop.orchestrator.v1 import orchestrator_pb2 as pb

    app = pb.Application(case_id="OS1", state=common_pb2.CASE_STATE_RUNNING)
    # 2026-12-05 is a Saturday; 01:00 UTC is 09:00 in Shanghai.
    app.deadline.as_of.FromDatetime(datetime(2026, 12, 5, 1, 0, tzinfo=UTC))
    shown = client.render_application(app)
    assert "business clock paused at 2026-12-05 09:00 (Asia/Shanghai): a weekend" in shown
    app.deadline.as_of.FromDatetime(datetime(2026, 12, 4, 2, 0, tzinfo=UTC))  # Friday 10:00
    assert "paused" not in client.render_application(app)


def test_without_automatic_approval_every_desk_waits_for_its_person() -> None:
    from onestop_cli.platform import waiting_steps

    settings = load_settings(
        {
            "ONESTOP_DATA_DIR": "/nonexistent",
            "ONESTOP_AUTO_APPROVE": "none",
            "ONESTOP_TOKEN_SECRET": "x",
            "ONESTOP_KEK": "k" * 44,
        }
    )
    lines = "\n".join(waiting_steps(settings))
    for person in ("registration officer", "tax desk", "social insurance clerk", "bank clerk"):
        assert f"every case waits for the {person}" in lines
    assert "so does every other seal set" in lines and "automatic" not in lines


def test_the_cases_table_lines_up_chinese_names() -> None:
    from onestop.common.v1 import common_pb2
    from onestop.orchestrator.v1 import orchestrator_pb2 as pb

    apps = [
        pb.Application(
            case_id="OS1",
            company_name="天津宏盛弘科技有限公司",
            applicant_id="nina",
            state=common_pb2.CASE_STATE_AWAITING_SIGNATURES,
        ),
        pb.Application(
            case_id="OS2",
            company_name="Acme",
            applicant_id="oscar",
            state=common_pb2.CASE_STATE_COMPENSATED,
        ),
    ]
    apps[0].submitted_at.FromJsonString("2026-12-03T18:30:00Z")
    table = client.cases_table(apps).splitlines()
    assert "awaiting signatures" in table[1] and "2026-12-04 02:30" in table[1]
    assert "undone (compensated)" in table[2]
    columns = {
        client.display_width(line[: line.index(state)])
        for line, state in zip(table, ("STATE", "awaiting", "undone"), strict=True)
    }
    assert len(columns) == 1, table
