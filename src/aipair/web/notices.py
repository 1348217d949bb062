"""Fixed messages a page shows after a form succeeded (the URL carries a key, never free text)."""

from __future__ import annotations

NOTICES = {
    "key_revoked": "The key was revoked. Calls with it are refused from now on.",
    "member_added": "The member was added.",
    "member_invited": "The invitation was created. Send the person the link below; it is shown once.",
    "role_changed": "The role was changed.",
    "member_deactivated": "The member was deactivated; their sessions ended.",
    "budget_saved": "The budget and alert thresholds were saved.",
    "ai_saved": "The AI settings were saved.",
    "item_updated": "The action item was updated.",
    "reprocessing": "The meeting is being processed again.",
    "grant_opened": "The support grant was opened.",
    "grant_requested": "The support grant was requested; the company's owner must approve it.",
    "grant_revoked": "The support grant was ended.",
    "grant_approved": "The support grant was approved.",
    "company_created": "The company was created.",
    "company_saved": "The company was saved.",
    "company_suspended": "The company was suspended: its people and keys can no longer act.",
    "company_activated": "The company was reactivated.",
    "limit_increased": "The temporary limit increase was applied.",
    "password_changed": "Your password was changed.",
    "left_company": "You left the customer company.",
    "signed_out": "You are signed out.",
    "maintenance_on": "Maintenance started: customers now see the maintenance page.",
    "maintenance_off": "Maintenance ended: customers are served again.",
    "window_announced": "The maintenance window was announced.",
    "incident_opened": "The incident was recorded.",
    "incident_updated": "The incident was updated.",
    "invitation_accepted": "Your account is ready: sign in with your e-mail and the password you chose.",
    "invitation_joined": "You joined the company: choose it in the company switcher.",
}


def notice_text(key: str | None) -> str | None:
    return NOTICES.get(key) if key else None
