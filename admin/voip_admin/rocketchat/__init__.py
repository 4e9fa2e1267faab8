"""Moving a Rocket.Chat 6.x/7.x contact center over (docs/migrating-from-rocketchat.md)."""
