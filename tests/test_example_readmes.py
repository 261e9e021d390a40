"""Every command block of ``examples/*/README.md`` runs as written, without an API key.

examples/README.md promises each folder runs without a key unless it says otherwise; a block
that needs one is marked ``<!-- needs an API key … -->`` right above it and is not run (nor is
one marked ``<!-- installs a tool … -->``). Each
command must exit 0, except one whose comment names its exit code (``… exit 2 when …``), which
may exit with that code instead. ``/tmp/`` in a command becomes this test's own directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READMES = sorted((ROOT / "examples").glob("*/README.md"))
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>bash|sh|shell|console)\n(?P<body>.*?)\n```",
                   re.S)
NOT_RUN = ("<!-- needs an API key", "<!-- installs a tool")
"""A block marked so, right above it, is not run: it needs a key, or it would install a tool
into the test environment (its example has a test of its own)."""
EXIT_CODE = re.compile(r"#.*\bexit (\d+)")


def command_blocks(readme: Path) -> list[str]:
    """The README's shell blocks that need no key, as bash scripts (prompts stripped)."""
    blocks = []
    for match in BLOCK.finditer(readme.read_text(encoding="utf-8")):
        if match.group("before").startswith(NOT_RUN):
            continue
        lines = match.group("body").splitlines()
        if match.group("lang") == "console":
            lines = [line[2:] for line in lines if line.startswith("$ ")]
        blocks.append(_script(lines))
    return blocks


def _script(lines: list[str]) -> str:
    commands: list[str] = []
    for line in lines:
        comment_only = line.lstrip().startswith("#")
        if comment_only and line.startswith(" ") and commands and "#" in commands[-1]:
            commands[-1] += " " + line.strip()  # a command's comment, carried on
        elif line.strip() and not comment_only:
            commands.append(line)
    out = ["set -e -o pipefail"]
    for line in commands:
        code = EXIT_CODE.search(line)
        if code:
            command = line[: line.index("#")].rstrip()
            out.append(f"{command} || [ $? -eq {code.group(1)} ]")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("readme", READMES, ids=[p.parent.name for p in READMES])
def test_readme_commands_run_without_an_api_key(readme: Path, tmp_path: Path) -> None:
    blocks = command_blocks(readme)
    if not blocks:
        pytest.skip(f"{readme.parent.name}/README.md has no command block")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "orch"
    shim.write_text(f"#!/bin/sh\nexec '{sys.executable}' -m orch \"$@\"\n")
    shim.chmod(0o755)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    # As a user has it: no test-only plugin (the fake adapter) on the path.
    fakes = str(ROOT / "tests" / "fakes")
    python_path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                   if p and Path(p).resolve() != Path(fakes).resolve()]
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "TMPDIR": str(scratch), "PYTHONPATH": os.pathsep.join(python_path)}
    for number, script in enumerate(blocks, start=1):
        script = script.replace("/tmp/", f"{scratch}/")
        out = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, (f"{readme.parent.name}/README.md block {number} failed "
                                     f"(exit {out.returncode}):\n{script}\n{out.stdout}\n"
                                     f"{out.stderr}")
