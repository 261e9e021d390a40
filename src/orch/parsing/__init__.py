"""Plan parsing: text in, :class:`~orch.domain.plan.ParseResult` out, no file I/O.

``markdown.parse_plan`` is the entry point; ``blocks`` walks markdown-it tokens, ``phases``
recognises phase headings, ``taskline``/``metadata``/``items`` read task items, ``ids`` renames
duplicates and expands dependency ranges, ``marks.set_mark`` writes a checkbox back,
``report``/``render`` turn a plan into ``validate --json`` data and ``orch graph`` output.
"""
