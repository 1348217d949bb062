"""Security signals: :class:`~aipair.security.service.SecurityService` records events and computes the
views platform staff watch; key-use signals are gathered in memory on the gateway's path
(:mod:`~aipair.security.signals`) and written off it (:mod:`~aipair.security.monitor`)."""
