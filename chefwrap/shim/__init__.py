"""The shim's hot path and what it records: run the real tool, decide, sanitize, build and spool the event.

Everything here runs in every knife, kitchen and chef call that goes through a shim, under `python -IS`:
builtin modules only, at import time.
"""
