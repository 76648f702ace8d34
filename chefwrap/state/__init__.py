"""What the shim and the sender share, below both: the user's decision and where it stands (consent,
settings, CI detection, the working folder's walk), the session and its erase key, and the rule that
chefwrap's state is the user's alone (private). Imported on the shim's hot path: os at most.
"""
