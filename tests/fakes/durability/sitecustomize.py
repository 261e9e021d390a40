"""Durability trace for an ``orch`` subprocess under test (put this directory on PYTHONPATH).

With ``ORCH_TEST_TRACE`` set, every ``os.fsync`` (the file's path and size once synced), every
``os.replace``/``os.rename``, every process started and every HTTP request sent is appended, in
order, as one JSON line to that file. Starts and requests carry the size of each run journal
(``events.jsonl`` under ``ORCH_TEST_PROJECT``) at that moment, so a test can check that all of
it was fsync'd before orch acted, and the name of the thread that acted (a ``--jobs`` lane is an
``orch-lane`` thread); starts carry their working directory too. SIGKILL cannot show a
missing fsync (the page cache survives the process); this trace can.
"""

from __future__ import annotations

import glob
import importlib
import json
import os
import subprocess
import threading
from typing import Any

_TRACE = os.environ.pop("ORCH_TEST_TRACE", None)  # popped: only orch itself is traced
_PROJECT = os.environ.get("ORCH_TEST_PROJECT", ".")


def _install(trace: str) -> None:
    out = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    real_fsync, real_replace, real_rename = os.fsync, os.replace, os.rename
    real_popen_init = subprocess.Popen.__init__

    def note(**record: Any) -> None:
        os.write(out, (json.dumps(record) + "\n").encode())

    def journals() -> dict[str, int]:
        pattern = os.path.join(_PROJECT, ".specify", "orch", "runs", "*", "events.jsonl")
        return {os.path.realpath(path): os.stat(path).st_size for path in glob.glob(pattern)}

    def fsync(fd: Any) -> None:
        number = fd if isinstance(fd, int) else fd.fileno()
        real_fsync(fd)
        path = os.readlink(f"/proc/self/fd/{number}")
        note(op="fsync", path=path, size=os.fstat(number).st_size)

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        note(op="replace", src=os.path.realpath(src), dst=os.path.realpath(dst))
        real_replace(src, dst, **kwargs)

    def rename(src: Any, dst: Any, **kwargs: Any) -> None:
        note(op="replace", src=os.path.realpath(src), dst=os.path.realpath(dst))
        real_rename(src, dst, **kwargs)

    def popen_init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        argv = [args] if isinstance(args, (str, bytes)) else [str(a) for a in args]
        cwd = os.path.realpath(kwargs.get("cwd") or os.getcwd())
        note(op="exec", argv=[str(a) for a in argv], journals=journals(), cwd=cwd,
             thread=threading.current_thread().name)
        real_popen_init(self, args, *rest, **kwargs)

    os.fsync, os.replace, os.rename = fsync, replace, rename
    subprocess.Popen.__init__ = popen_init  # type: ignore[method-assign]

    for name in ("httpx", "httpx2"):  # the anthropic SDK's HTTP client, under either name
        try:
            client = importlib.import_module(name).Client
        except ImportError:
            continue
        client.send = _noting_send(client.send, note, journals)


def _noting_send(real_send: Any, note: Any, journals: Any) -> Any:
    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        note(op="call", url=str(request.url), journals=journals(),
             thread=threading.current_thread().name)
        return real_send(self, request, **kwargs)

    return send

if _TRACE:
    _install(_TRACE)
