"""One module per chefwrap command; each `run(args, env)` returns the exit code."""
