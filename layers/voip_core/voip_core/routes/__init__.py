"""HTTP: one module per endpoint, in the contract's check order, with its own request rules beside
it; `gate.py` for what stands in front of them (authentication, rate limit, permission)."""
