"""Plan parsing: text in, :class:`~orch.domain.plan.ParseResult` out, no file I/O."""
