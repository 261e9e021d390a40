"""Running commands: process groups, timeouts, background children, redaction, bounded tails."""

from __future__ import annotations

import time
from pathlib import Path

from orch.proc import TAIL_LINES, run_argv, run_shell
from orch.secrets import REDACTED, Redactor, secret_values
from proctrack import PGID_TO, kill_group, read_pgid, wait_gone


def test_output_goes_to_the_log_and_the_tail(tmp_path: Path) -> None:
    log = tmp_path / "task.log"
    result = run_shell("echo one; echo two >&2; exit 3", cwd=tmp_path, log_path=log)
    assert result.returncode == 3 and not result.ok
    assert result.tail.splitlines() == ["one", "two"]
    assert log.read_text() == "$ echo one; echo two >&2; exit 3\none\ntwo\n"


def test_tail_is_bounded(tmp_path: Path) -> None:
    result = run_shell("seq 1 1000", cwd=tmp_path)
    assert result.ok
    assert result.tail.splitlines() == [str(n) for n in range(1001 - TAIL_LINES, 1001)]


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_shell(f"{PGID_TO} pgid; sleep 41.75 & sleep 41.75", cwd=tmp_path,
                       timeout_s=0.5)
    pgid = read_pgid(tmp_path / "pgid")
    try:
        assert result.timed_out and not result.ok
        assert time.monotonic() - started < 5
        assert wait_gone(pgid) == []
    finally:
        kill_group(pgid)


def test_background_child_holding_the_pipe_does_not_hang(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_shell(f"{PGID_TO} pgid; (sleep 37.5 &) ; echo done", cwd=tmp_path,
                       timeout_s=20)
    kill_group(read_pgid(tmp_path / "pgid"))
    assert result.ok
    assert time.monotonic() - started < 5


def test_secrets_are_redacted_from_log_and_tail(tmp_path: Path) -> None:
    secret = "sk-test-0123456789abcdef"
    redactor = Redactor([secret])
    log = tmp_path / "task.log"
    result = run_shell(f"echo key={secret}", cwd=tmp_path, log_path=log, redactor=redactor)
    assert secret not in log.read_text()
    assert secret not in result.tail
    assert f"key={REDACTED}" in result.tail


def test_secret_values_come_from_secret_looking_names() -> None:
    env = {
        "ANTHROPIC_API_KEY": "sk-ant-123456789",
        "GITHUB_TOKEN": "ghp_abcdefghij",
        "HOME": "/root/a/long/path",
        "SHORT_TOKEN": "abc",
    }
    assert set(secret_values(env)) == {"sk-ant-123456789", "ghp_abcdefghij"}


def test_missing_executable_is_a_result_not_an_exception(tmp_path: Path) -> None:
    result = run_argv(["definitely-not-a-command-xyz"], cwd=tmp_path)
    assert result.returncode == 127
    assert "cannot start" in result.tail
