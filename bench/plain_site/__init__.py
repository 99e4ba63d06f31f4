"""A plain Django site doing what the mixed load asks of Haven, without Haven: the baseline of
bench/load_mixed.py --plain. Django's own session auth, CSRF, forms, templates and ORM on the
same SQLite settings (WAL, IMMEDIATE, synchronous=FULL, persistent connections); no sealing, no
grants, no audit. Never used outside bench/."""
