"""Choosing the reporters for a run, and fanning events out to several of them."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal, TextIO

from orch.domain.state import Event, RunState
from orch.reporting.base import Reporter
from orch.reporting.jsonl import JsonLinesReporter
from orch.reporting.plain import PlainReporter
from orch.reporting.status_md import StatusMdWriter

ReporterMode = Literal["auto", "plain", "json"]


class MultiReporter:
    """Sends every event to each reporter in order; closes them all even if one fails."""

    def __init__(self, reporters: Iterable[Reporter]) -> None:
        self.reporters: list[Reporter] = list(reporters)

    def emit(self, event: Event, state: RunState) -> None:
        """Pass ``event`` to every reporter."""
        for reporter in self.reporters:
            reporter.emit(event, state)

    def close(self, state: RunState) -> None:
        """Close every reporter; the first exception is re-raised after all were closed."""
        first: BaseException | None = None
        for reporter in self.reporters:
            try:
                reporter.close(state)
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                first = first or exc
        if first is not None:
            raise first


def wants_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Rich output: ``stream`` is a terminal, ``NO_COLOR`` is unset or empty, TERM is not dumb."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or exotic streams
        return False


def make_reporter(
    mode: ReporterMode = "auto",
    *,
    stream: TextIO | None = None,
    status_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    status_interval_s: float = 1.0,
) -> Reporter:
    """The reporter for a run.

    ``json`` writes JSON lines, ``plain`` plain lines, ``auto`` the rich console when
    :func:`wants_color` else plain lines — all to ``stream`` (default ``sys.stdout``).
    With ``status_path`` a :class:`StatusMdWriter` for that file joins through a
    :class:`MultiReporter`.
    """
    out = stream if stream is not None else sys.stdout
    main: Reporter
    if mode == "json":
        main = JsonLinesReporter(out)
    elif mode == "auto" and wants_color(out, environ):
        from rich.console import Console

        from orch.reporting.console import ConsoleReporter

        main = ConsoleReporter(Console(file=out))
    else:
        main = PlainReporter(out)
    if status_path is None:
        return main
    return MultiReporter([main, StatusMdWriter(status_path, min_interval_s=status_interval_s)])
