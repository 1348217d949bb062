"""Outgoing webhooks: signed (Standard Webhooks), delivered by the job queue to checked addresses only."""
