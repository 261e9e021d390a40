"""Phase decisions (DESIGN §9): targets, the reviewer's structured decision, the matrix."""
