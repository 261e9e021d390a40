"""Phase decisions (docs/decisions.md): targets, the reviewer's structured decision, the matrix."""
