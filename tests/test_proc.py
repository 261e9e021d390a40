"""Running commands: process groups, timeouts, background children, redaction, bounded tails."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from orch.proc import TAIL_LINE_CHARS, TAIL_LINES, run_argv, run_shell, track_groups
from orch.procgroups import GroupRecord
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
        "PWD": "/home/user/project", "PATH": "/usr/bin:/bin", "KEYBOARD": "us-intl-alt",
    }
    assert set(secret_values(env)) == {"sk-ant-123456789", "ghp_abcdefghij"}


def test_secret_values_cover_the_usual_names_of_keys_and_passwords() -> None:
    names = ["STRIPE_KEY", "DB_PASS", "GITHUB_PAT", "SENTRY_DSN", "SSH_PRIVATE_KEY",
             "GPG_PASSPHRASE", "KEY_MATERIAL"]
    env = {name: f"value-of-{name.lower()}" for name in names}
    assert set(secret_values(env)) == set(env.values())


def test_missing_executable_is_a_result_not_an_exception(tmp_path: Path) -> None:
    result = run_argv(["definitely-not-a-command-xyz"], cwd=tmp_path)
    assert result.returncode == 127
    assert "cannot start" in result.tail


def test_a_command_that_cannot_start_is_logged_and_returned_redacted(tmp_path: Path) -> None:
    secret = "popen-secret-0123456789"
    log = tmp_path / "task.log"
    result = run_argv([f"/nonexistent/{secret}", f"--token={secret}"], cwd=tmp_path,
                      log_path=log, redactor=Redactor([secret]))
    assert result.returncode == 127 and "cannot start" in result.tail
    assert secret not in result.command + result.tail
    assert "cannot start" in log.read_text() and secret not in log.read_text()
    assert REDACTED in result.command and REDACTED in log.read_text()


def test_output_without_newlines_is_streamed_redacted_and_the_tail_stays_small(
        tmp_path: Path) -> None:
    """A progress bar or binary dump never ends its line: it is written on as it comes (not
    joined chunk by chunk, which is quadratic), no secret is cut in two at a write, and the tail
    keeps only the end of such a line."""
    secret = "pbar-secret-value-0123456789"
    log = tmp_path / "task.log"
    script = ("import sys\nfor i in range(400):\n"
              f"    sys.stdout.write('x' * (i * 97 % 30011) + '{secret}')\n"
              "    sys.stdout.flush()\n")
    (tmp_path / "spew.py").write_text(script)
    result = run_argv([sys.executable, "spew.py"], cwd=tmp_path, log_path=log,
                      redactor=Redactor([secret]))
    assert result.ok
    data = log.read_bytes()
    assert secret.encode() not in data and data.count(REDACTED.encode()) == 400
    assert len(result.tail) <= TAIL_LINES * (TAIL_LINE_CHARS + 1)


def test_a_secret_escaped_inside_json_output_is_redacted(tmp_path: Path) -> None:
    """CLI agents stream JSON events: a secret with a quote, backslash, newline or non-ASCII
    character appears there escaped, not as its raw value."""
    secret = 'pa"ss\\wörd\nline-two'
    log = tmp_path / "task.log"
    script = f"import json\nprint(json.dumps({{'out': {secret!r}}}))\nprint({secret!r})\n"
    (tmp_path / "agent.py").write_text(script)
    result = run_argv([sys.executable, "agent.py"], cwd=tmp_path, log_path=log,
                      redactor=Redactor([secret]))
    assert result.ok
    text = log.read_text()
    assert text.splitlines()[1:] == ['{"out": "[REDACTED]"}', REDACTED], text


def test_an_exception_inside_orch_stops_the_commands_group(tmp_path: Path) -> None:
    """A KeyboardInterrupt raised while orch follows a command (a Ray cancel raises one in its
    worker) goes on up, and the command's whole process group is gone first."""
    marker = tmp_path / "pgid"

    def cancelled() -> bool:
        if marker.exists() and marker.read_text().strip():
            raise KeyboardInterrupt
        return False

    try:
        run_argv(["bash", "-c", f"{PGID_TO} pgid; sleep 43.25 & sleep 43.25"], cwd=tmp_path,
                 should_stop=cancelled)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the KeyboardInterrupt was swallowed")
    pgid = read_pgid(marker)
    try:
        assert wait_gone(pgid) == []
    finally:
        kill_group(pgid)


def test_a_tracker_failing_at_the_start_stops_the_commands_group(tmp_path: Path) -> None:
    """Journalling a new process group can fail (a full disk): the error goes on up, and the
    group just started is not left running untracked."""
    started: list[int] = []

    def on_start(record: GroupRecord) -> None:
        started.append(record.pgid)
        raise OSError(28, "No space left on device")

    try:
        with track_groups(on_start, lambda pgid: None):
            run_argv(["bash", "-c", "sleep 44.5 & sleep 44.5"], cwd=tmp_path)
    except OSError:
        pass
    else:
        raise AssertionError("the tracker's OSError was swallowed")
    try:
        assert wait_gone(started[0]) == []
    finally:
        kill_group(started[0])


def test_a_log_that_fails_mid_command_never_starts_the_command_twice(tmp_path: Path) -> None:
    """The fast path hands a block to the shell only when its program could not be started:
    an error while following it (a full disk under the log) goes on up, nothing runs again."""
    started: list[int] = []
    try:
        with track_groups(lambda record: started.append(record.pgid), lambda pgid: None):
            run_shell("sleep 45.5", cwd=tmp_path, log_path=Path("/dev/full"))
    except OSError:
        pass
    else:
        raise AssertionError("the log's OSError was swallowed")
    assert len(started) == 1, started
    try:
        assert wait_gone(started[0]) == []
    finally:
        kill_group(started[0])
