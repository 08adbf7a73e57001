"""Watched feeds: when to poll each one (schedule.py) and one poll of one feed (poll.py)."""
