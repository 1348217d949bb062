"""Evaluation of the meeting minutes on a set of meetings written for it, with gold minutes.

``make eval`` prints the figures (:mod:`.report`); ``tests/meetings/test_minutes_quality.py`` holds
the floors the suite enforces.
"""
