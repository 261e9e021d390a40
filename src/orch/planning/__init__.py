"""``orch plan``: drafting phased, verifiable plans from a goal or a spec-kit spec.

- :mod:`~orch.planning.context` / :mod:`~orch.planning.tooling`: what the planner knows about
  the project (bounded context, detected test tooling).
- :mod:`~orch.planning.offline` / :mod:`~orch.planning.patterns`: the deterministic planner.
- :mod:`~orch.planning.speckit`: spec-kit ``spec.md`` -> one phase per user story.
- :mod:`~orch.planning.drafter`: model-drafted plans with validator-driven repair rounds.
- :mod:`~orch.planning.render`: plan model -> markdown; :mod:`~orch.planning.output`: writing.
- :mod:`~orch.planning.session`: one ``orch plan`` invocation, end to end.
"""
