"""Audit trail, audited support access and security signals.

- :class:`~aipair.audit.service.AuditService` appends to the hash-chained ``audit_logs`` inside the
  caller's transaction.
- :class:`~aipair.audit.support.SupportService` opens, approves and revokes support access grants
  and lets platform staff act inside a company only while one is open.
- :class:`~aipair.audit.security.SecurityService` records and reports security signals.
"""
