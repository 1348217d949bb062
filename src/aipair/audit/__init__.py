"""The audit trail: :class:`~aipair.audit.service.AuditService` appends hash-chained entries to
``audit_logs`` inside the caller's transaction; companies read and export theirs, operators verify the
chains (``aipair audit verify``)."""
