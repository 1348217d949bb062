"""Incident records with the runbook's severities, response deadlines and a timeline."""
