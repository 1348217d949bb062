"""Backups: continuous WAL archiving and base backups (point-in-time recovery), logical dumps, a
repository on disk or in an S3-compatible bucket, verification, restore and restore drills."""
