"""Field service orders: start and stop service, disconnect and reconnect, meter tests,
changes and re-reads, notices and investigations; the dispatch board and the
technician's phone view. Completing an order does its effect through the owning apps'
services (billing reads and final bills, ledger deposits, accounts status)."""
