"""`orch report --html PATH`: never overwrites what is not an orch report (issue 27, item 4)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from conftest import OrchRunner
from test_report_html import finished_run  # noqa: F401 - the fixture


def test_html_refuses_to_overwrite_the_plan_and_other_files(finished_run: Path,  # noqa: F811
                                                            orch: OrchRunner) -> None:
    repo = finished_run
    (repo / "plan.md").write_text((repo / "plan.md").read_text() + "\nmy uncommitted edit\n")
    before = (repo / "plan.md").read_bytes()
    out = orch("report", "--html", "plan.md", cwd=repo)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.startswith(
        "error: plan.md exists and is not an orch report; refusing to overwrite it\n"
        "hint: name a new file, or pass --force to replace it"), out.stderr
    assert (repo / "plan.md").read_bytes() == before

    page = repo / "page.html"
    page.write_text("<!DOCTYPE html><html><title>mine</title></html>\n")
    assert orch("report", "--html", "page.html", cwd=repo).returncode == 2
    assert "mine" in page.read_text()
    forced = orch("report", "--html", "page.html", "--force", cwd=repo)
    assert forced.returncode == 0, forced.stderr
    assert "mine" not in page.read_text() and "orch report" in page.read_text()


def test_html_rewrites_its_own_report_and_fills_a_directory(finished_run: Path,  # noqa: F811
                                                           orch: OrchRunner,
                                                           tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    assert orch("report", "--html", str(page), cwd=finished_run).returncode == 0
    again = orch("report", "--html", str(page), cwd=finished_run)
    assert again.returncode == 0, again.stderr
    folder = tmp_path / "out"
    folder.mkdir()
    into = orch("report", "--html", str(folder), cwd=finished_run)
    assert into.returncode == 0, into.stdout + into.stderr
    assert f"HTML report: {folder / 'report.html'}" in into.stdout
    assert "orch report" in (folder / "report.html").read_text()


def test_html_refuses_a_fifo_without_blocking(finished_run: Path,  # noqa: F811
                                              orch: OrchRunner, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    # Should orch open the FIFO for writing, this reader lets it finish instead of hanging.
    reader = threading.Thread(target=lambda: fifo.read_bytes(), daemon=True)
    reader.start()
    out = orch("report", "--html", str(fifo), "--force", cwd=finished_run, timeout=60)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "not a regular file" in out.stderr
    if reader.is_alive():  # unblock the reader: open for writing, then close
        with open(fifo, "wb"):
            pass
