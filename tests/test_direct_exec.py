"""A shell block that is one plain command runs without the shell, exactly as the shell would
have run it; everything else still goes through the shell (src/orch/directexec.py)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, make_plan, shell_task
from orch.directexec import direct_command
from orch.proc import run_argv, run_shell

REAL = {name: subprocess.run(["bash", "-c", f"command -v {name}"], capture_output=True,
                             text=True, check=True).stdout.strip() for name in ("bash", "sh")}


def _spy_shells(folder: Path, record: Path) -> str:
    """A ``bash`` and an ``sh`` first on PATH that note each start, then run the real shell."""
    folder.mkdir()
    for name in ("bash", "sh"):
        spy = folder / name
        spy.write_text(f'#!{REAL["bash"]}\necho "{name} $*" >> {record}\n'
                       f'exec {REAL[name]} "$@"\n')
        spy.chmod(spy.stat().st_mode | stat.S_IXUSR)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def _env_of(output: str) -> dict[str, str]:
    """The environment ``env`` printed, without the terminal size some bash builds export from
    terminfo on their own (seen under pytest, not from a plain shell; see directexec)."""
    pairs = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
    return {k: v for k, v in pairs.items() if k not in {"LINES", "COLUMNS"}}


@pytest.mark.parametrize("command", [
    "echo $HOME", "ls *.md", "cd src", "FOO=1 env", "true && false", "echo 'a b'", "a | b",
    "make > out.txt", "ls ~", "echo {a,b}", "ls # comment", "echo hi", "true x", ": ",
    "export A=1", "source x", ". x", "exit 3", "ls\nls", "ls\tx", "[ -f x ]", "printf hi",
    "time ls", "if", "(ls)", "ls;", "echo \\n", "true", "false",
])
def test_a_command_using_the_shell_is_left_to_the_shell(command: str, tmp_path: Path) -> None:
    assert direct_command(command, "bash", str(tmp_path), dict(os.environ)) is None


@pytest.mark.parametrize("command", [
    "ls", "ls -la src", "mkdir -p src/models", "python -m pytest -q",
    "git commit --allow-empty -m x", "env", "  ls  -l  ",
])
def test_a_plain_command_runs_directly(command: str, tmp_path: Path) -> None:
    direct = direct_command(command, "bash", str(tmp_path), dict(os.environ))
    assert direct is not None and direct.argv == command.split()
    assert os.path.isabs(direct.executable)


def test_what_makes_the_shell_do_more_keeps_the_shell(tmp_path: Path) -> None:
    env = dict(os.environ)
    for extra in ({"BASH_ENV": "/tmp/rc"}, {"BASH_FUNC_ls%%": "() { echo fn; }"},
                  {"SHELLOPTS": "xtrace"}, {"PATH": f"bin{os.pathsep}{env['PATH']}"},
                  {"PATH": f"{os.pathsep}{env['PATH']}"}):
        assert direct_command("ls", "bash", str(tmp_path), {**env, **extra}) is None, extra
    assert direct_command("ls", "zsh", str(tmp_path), env) is None
    assert direct_command("missing-program-xyz", "bash", str(tmp_path), env) is None
    script = tmp_path / "no-shebang"
    script.write_text("echo run by the shell\n")
    script.chmod(0o755)
    assert direct_command("./no-shebang", "bash", str(tmp_path), env) is None
    (tmp_path / "with-shebang").write_text("#!/bin/sh\necho hi\n")
    (tmp_path / "with-shebang").chmod(0o755)
    assert direct_command("./with-shebang", "bash", str(tmp_path), env) is not None


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_the_program_sees_the_environment_the_shell_would_give_it(
        shell: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``env`` run directly and ``env`` run by the shell (forced with a no-op ``;``) print the
    same environment: PWD, SHLVL, OLDPWD and ``_`` as the shell leaves them."""
    work = tmp_path / "work"
    work.mkdir()
    link = tmp_path / "link"
    link.symlink_to(work)
    cases = [(cwd, pwd, shlvl, oldpwd)
             for cwd, pwd in ((work, str(tmp_path)), (link, str(link)), (work, None))
             for shlvl in ("3", None, "abc", "999") for oldpwd in (None, "/nowhere", "/")]
    for cwd, pwd, shlvl, oldpwd in cases:
        for name, value in (("PWD", pwd), ("SHLVL", shlvl), ("OLDPWD", oldpwd)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        direct = run_shell("env", cwd=cwd, log_path=tmp_path / "d.log", shell=shell)
        via_shell = run_shell("env;", cwd=cwd, log_path=tmp_path / "s.log", shell=shell)
        assert direct.ok and via_shell.ok
        case = (cwd.name, pwd, shlvl, oldpwd)
        assert _env_of((tmp_path / "d.log").read_text()) == \
            _env_of((tmp_path / "s.log").read_text()), case
        (tmp_path / "d.log").unlink()
        (tmp_path / "s.log").unlink()


def test_exit_status_output_and_signals_are_the_programs(tmp_path: Path) -> None:
    tool = tmp_path / "tool"
    tool.write_text(f"#!{sys.executable}\nimport sys\nprint('out', sys.argv[1:])\n"
                    "sys.exit(int(sys.argv[1]))\n")
    tool.chmod(0o755)
    result = run_shell("./tool 7 --flag=x", cwd=tmp_path, log_path=tmp_path / "t.log")
    assert result.returncode == 7 and not result.ok
    assert "out ['7', '--flag=x']" in result.tail
    assert (tmp_path / "t.log").read_text().startswith("$ ./tool 7 --flag=x\n")
    killed = tmp_path / "killed"
    killed.write_text("#!/bin/sh\nkill -TERM $$\n")
    killed.chmod(0o755)
    by_signal = run_shell("./killed", cwd=tmp_path)
    assert by_signal.returncode == run_shell("./killed;", cwd=tmp_path).returncode != 0


def test_a_run_starts_no_shell_for_plain_blocks_and_one_for_the_rest(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    record = tmp_path / "shells.txt"
    path = _spy_shells(tmp_path / "spies", record)
    plan = make_plan([("Setup", [
        shell_task("T001", "Make folders", "mkdir -p src/models"),
        shell_task("T002", "Write a file", "echo made > src/models/a.txt"),
        shell_task("T003", "Touch", "touch src/models/b.txt"),
    ])])
    (git_repo / "plan.md").write_text(plan.replace("```sh", "```bash"))  # dash never execs
    commit_all(git_repo)
    result = orch("run", "plan.md", "--commit", "none", cwd=git_repo, env={"PATH": path})
    assert result.returncode == 0, result.stderr
    assert (git_repo / "src/models/a.txt").read_text() == "made\n"
    assert (git_repo / "src/models/b.txt").exists()
    started = record.read_text().splitlines()
    assert started == ["bash -e -c echo made > src/models/a.txt"], started


def _script(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text)
    else:
        path.write_bytes(text)
    path.chmod(0o755)
    return path


def _direct_and_bash(command: str, cwd: Path, shell: str = "bash") -> tuple[
        tuple[int | None, str], tuple[int | None, str]]:
    """How ``command`` ends (exit status, output) through run_shell and through the shell;
    the pid in bash's report of a signal is left out."""
    direct = run_shell(command, cwd=cwd, shell=shell)
    via_shell = run_argv([shell, "-e", "-c", command], cwd=cwd)
    return ((direct.returncode, re.sub(r":\s+\d+ ", ": ", direct.tail)),
            (via_shell.returncode, re.sub(r":\s+\d+ ", ": ", via_shell.tail)))


def test_a_program_the_kernel_refuses_to_start_fails_as_in_the_shell(tmp_path: Path) -> None:
    """Exit status 126/127 and bash's own message, or bash running the file itself: an ELF of
    another machine, a #! naming a missing interpreter, a directory or a script without #!."""
    _script(tmp_path / "plain-script", "echo run by the shell\n")
    files = {
        "bad-interpreter": "#!/nonexistent/interpreter\necho hi\n",
        "dir-interpreter": f"#!{tmp_path}\necho hi\n",
        "script-interpreter": f"#!{tmp_path / 'plain-script'}\necho hi\n",
        "bare-hash-bang": "#!",
        "other-machine": b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\xb7\x00" + bytes(200),
        "junk-elf": b"\x7fELFjunk",
    }
    for name, text in files.items():
        _script(tmp_path / name, text)
        direct, via_shell = _direct_and_bash(f"./{name}", tmp_path)
        assert direct == via_shell, name


@pytest.mark.parametrize("name", ["%1", "-dash", "+p"])
def test_a_command_bash_reads_otherwise_is_left_to_bash(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``%1`` is a job for bash, and a block starting with - or + is bash's own options."""
    _script(tmp_path / name, '#!/bin/sh\necho "$0 ran"\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    direct, via_shell = _direct_and_bash(name, tmp_path)
    assert direct == via_shell


def test_a_program_killed_by_a_signal_under_sh_ends_as_under_sh(tmp_path: Path) -> None:
    """dash does not replace itself with the command: it reports a signal as 128+n."""
    _script(tmp_path / "killed", "#!/bin/sh\nkill -SEGV $$\n")
    direct, via_shell = _direct_and_bash("./killed", tmp_path, shell="sh")
    assert direct == via_shell


def _probe_output(command: str, cwd: Path, *, via_shell: bool, log: Path) -> str:
    if log.exists():
        log.unlink()
    if via_shell:
        result = run_argv(["bash", "-e", "-c", command], cwd=cwd, log_path=log)
    else:
        result = run_shell(command, cwd=cwd, log_path=log)
    assert result.ok, result.tail
    return log.read_text().split("\n", 1)[1]


def test_argv_and_environment_match_bash_in_odd_cases(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A script's $0 and ``_`` for a relative path, SHLVL bash rewrites, an OLDPWD relative to
    the command's directory, variables bash sets or drops itself, PATH unset."""
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    _script(tmp_path / "probe", f"#!{sys.executable}\nimport os, sys\nprint(sys.argv)\n"
            "print(sorted((k, v) for k, v in os.environ.items() "
            "if k not in {'LINES', 'COLUMNS', 'EPOCHREALTIME', 'EPOCHSECONDS'}))\n")
    log = tmp_path / "log"

    def same(command: str, cwd: Path = work) -> None:
        direct = _probe_output(command, cwd, via_shell=False, log=log)
        assert direct == _probe_output(command, cwd, via_shell=True, log=log)

    same("../probe x")
    same("./../probe x")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    for name, value in (("SHLVL", "05"), ("SHLVL", "\u0663"), ("OLDPWD", "sub"), ("BASH", "x"),
                        ("BASHOPTS", ""), ("IFS", "x"), ("PS4", "x"), ("OPTIND", "3"),
                        ("PPID", "1"), ("RANDOM", "5"), ("LINENO", "7"), ("BASH_VERSION", "x"),
                        ("BASH_EXECUTION_STRING", "x"), ("BASHPID", "1"), ("HISTCMD", "1")):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            same("probe", work)
    monkeypatch.delenv("PATH")
    direct = run_shell("env", cwd=work, log_path=log)
    assert direct.ok
    assert _env_of(log.read_text().split("\n", 1)[1]).get("_") == \
        _env_of(_probe_output("env", work, via_shell=True, log=log)).get("_")


@pytest.mark.parametrize("text", ["./killed\n\n", "./killed\n ", "./killed\r\n", "./killed\x0b",
                                  "\n\n./killed", " \n ./killed \t\n", "\t./killed\n"])
def test_blank_space_around_the_command_is_read_as_bash_reads_it(text: str,
                                                                  tmp_path: Path) -> None:
    """bash replaces itself with the command only when nothing but one newline follows it (it
    reports a signal itself otherwise), and a carriage return is part of the word."""
    _script(tmp_path / "killed", "#!/bin/sh\nkill -SEGV $$\n")
    direct, via_shell = _direct_and_bash(text, tmp_path)
    assert direct == via_shell


def test_without_bash_on_path_a_plain_command_fails_as_the_others_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path stands in for bash: where bash cannot be started, neither is the block."""
    folder = tmp_path / "bin"
    folder.mkdir()
    _script(folder / "tool", "#!/bin/sh\necho ran\n")
    monkeypatch.setenv("PATH", str(folder))
    direct, via_shell = _direct_and_bash("tool", tmp_path)
    assert direct == via_shell


def test_a_command_in_a_directory_that_is_gone_fails_as_the_shell_does(tmp_path: Path) -> None:
    """The shell cannot start there (127): neither does the program."""
    direct, via_shell = _direct_and_bash("ls", tmp_path / "gone")
    assert direct == via_shell


def test_an_lc_all_bash_cannot_load_shows_bashs_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bash warns on stderr about an LC_ALL it cannot set; a valid one keeps the fast path."""
    monkeypatch.setenv("LC_ALL", "xx_YY.bogus")
    direct, via_shell = _direct_and_bash("ls", tmp_path)
    assert direct == via_shell
    monkeypatch.setenv("LC_ALL", "C")
    assert direct_command("ls", "bash", str(tmp_path), dict(os.environ)) is not None
