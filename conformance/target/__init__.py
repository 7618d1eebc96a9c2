"""Working against the target: the preflight and the profile (check, discover), the prepared states a test
starts from, sending one drawn request, waiting for a write to show (settle), and the ledger that finds and
deletes everything the suite created."""
