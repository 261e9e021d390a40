"""Pure domain model: plans, task graph, run state and events. No I/O, no clock."""
