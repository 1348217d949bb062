"""Support access: :class:`~aipair.support.service.SupportService` opens, approves and revokes grants
and lets platform staff act inside a company only while one is open; every request they make there is
written to the support actions log (:class:`~aipair.support.actions.SupportActionsLog`)."""
