"""Project-wide helpers with no domain models of their own: money constants,
roles and permission checks, gap-free numbering, idempotency tokens, PDFs."""
