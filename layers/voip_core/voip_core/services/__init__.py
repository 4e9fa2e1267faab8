"""What a request does: the domain's rules carried out against the store (reads, conditional writes,
the retries of a lost race). Built once per environment (wiring.py); no HTTP."""
