"""Reporters turn run events into output: rich console, plain lines, JSON lines."""
