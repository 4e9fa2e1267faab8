"""What Rocket.Chat's documents and rules are: rooms, visitors, users and tokens, authentication,
permissions, ids and time. No HTTP, and nothing of DynamoDB (the store reads and writes these)."""
