"""A plain Django site for the throughput baseline (bench/portal_vs_plain.py): one form, one
model, one row written per post, on the same SQLite settings as Haven (WAL, synchronous=FULL,
IMMEDIATE transactions). No encryption, no key derivation, no audit chain. Never deployed."""
