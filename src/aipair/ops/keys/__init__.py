"""Key rotation: re-sealing stored secrets under a new key, the application role's password, the
key-age report against the runbook's rotation schedule."""
