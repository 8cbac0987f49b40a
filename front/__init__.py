"""The top floor: pages that read several apps (the account page, the home page,
later dashboards and the reports index) and the demo seeder. It may import any
app; no app imports it (DESIGN section 2, proved by tests/site/test_floors.py)."""
