"""Setting up: shells, shim files, start-up file blocks and completions, planned as file changes."""
