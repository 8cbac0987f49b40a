"""Work queues: one to-do list across the office. System items are gathered from the
pending work of every app below (approvals, exceptions, overdue orders) and close
themselves when that work is done; people add follow-ups on accounts. Floor 3.5."""
