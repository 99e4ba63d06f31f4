"""Names across scripts and spellings: normalisation and coarse search keys."""
