"""While orch waits for a person's input at the terminal, nothing else draws on it.

The live display (a spinner redrawn several times a second) would overwrite the question and
glue the answer to a spinner frame. An adapter that asks a person wraps the wait in
:func:`waiting_for_person`; a display that draws registers with :func:`register` to stop for
that time and start again after.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Hook = tuple[Callable[[], None], Callable[[], None]]

_hooks: list[Hook] = []
_lock = threading.Lock()


def register(pause: Callable[[], None], resume: Callable[[], None]) -> Callable[[], None]:
    """Call ``pause`` when a person is asked, ``resume`` once they answered; returns the
    function that unregisters them."""
    hook = (pause, resume)
    with _lock:
        _hooks.append(hook)

    def unregister() -> None:
        with _lock:
            if hook in _hooks:
                _hooks.remove(hook)

    return unregister


@contextmanager
def waiting_for_person() -> Iterator[None]:
    """Pause every registered display for the duration of the block."""
    with _lock:
        hooks = list(_hooks)
    for pause, _resume in hooks:
        pause()
    try:
        yield
    finally:
        for _pause, resume in reversed(hooks):
            resume()
