"""Maintenance windows: announced ahead, shared by every replica, enforced on every request."""
