"""The JSON documents `status` and `runs` print: the service's (:mod:`orch.services.status`)."""

from orch.services.status import run_summary, status_document

__all__ = ["run_summary", "status_document"]
