"""Data access: one module per aggregate; only this package knows DynamoDB's formats."""
