"""Billing owns what a bill is computed from: service agreements at premises, rate
schedules with effective-dated versions and the rate engine, meters and their
append-only reads, read imports and exceptions, billing cycles and routes."""
