"""Delivery: the spool of waiting events, the detached sender, the ledger of what left, and erasure."""
