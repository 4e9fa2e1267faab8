"""Data access, the only code that knows DynamoDB: one module per aggregate, one transaction helper
(transactions.py), one retry helper (retry.py)."""
