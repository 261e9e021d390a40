"""Agent adapters: one protocol, one module per agent, registered through entry points."""
