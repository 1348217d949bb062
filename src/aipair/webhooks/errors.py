"""Errors of the webhooks domain."""

from __future__ import annotations

from aipair.errors import ValidationFailed

REFUSALS = {
    "https_required": "Webhook URLs must use https",
    "invalid_url": "The webhook URL is not a valid http(s) URL",
    "address_not_allowed": "The webhook's host must resolve to public internet addresses only",
}


class WebhookTargetRefused(ValidationFailed):
    """The webhook URL may not be called: plain http outside development, or a host that resolves to a
    loopback, private, link-local, metadata or other non-public address."""

    code = "webhook_target_refused"
    default_message = REFUSALS["address_not_allowed"]

    @classmethod
    def because(cls, reason: str) -> WebhookTargetRefused:
        """The error for a refusal code of :mod:`aipair.webhooks.sender`."""
        return cls(REFUSALS.get(reason, cls.default_message), reason=reason)


class DeliveryWillBeRetried(Exception):
    """An attempt got no answer or a server error: the job fails this attempt and the queue tries again
    later, with backoff."""
