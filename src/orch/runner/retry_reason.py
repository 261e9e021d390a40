"""Why a task's last attempt failed, for the attempt ``orch resume --retry-failed`` starts.

The in-run retry tells the next attempt the failing command and the tail of its output
(:func:`orch.runner.attempt.retry_feedback`); a retry across a resume must say the same, so it is
read back from the failed attempt's ``task_finished`` event in the run's journal.
"""

from __future__ import annotations

from orch.domain.events import EventType
from orch.errors import StateError
from orch.runner.attempt import retry_feedback
from orch.runner.verify import CheckOutcome
from orch.secrets import default_redactor
from orch.store.journal import read_journal
from orch.store.layout import Layout


def last_failure(layout: Layout, run_id: str, task_id: str) -> str | None:
    """The retry text for ``task_id``'s last failed attempt (redacted), or ``None`` when the
    journal holds no failure for it."""
    try:
        events, _torn = read_journal(layout.events(run_id), repair=False)
    except (OSError, StateError):
        return None
    for event in reversed(events):
        if event.task != task_id or event.type != EventType.TASK_FINISHED:
            continue
        data = event.data
        if data.get("status") == "done":
            return None
        check = CheckOutcome(ok=False, failed_command=data.get("failed_command"),
                             tail=data.get("output_tail") or "",
                             reason=data.get("error") or "the attempt failed")
        return default_redactor()(retry_feedback(check))
    return None
