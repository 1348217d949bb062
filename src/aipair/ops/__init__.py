"""Operations: backups and restore drills, maintenance windows, incident records, key rotation."""
