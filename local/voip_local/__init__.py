"""voip_local: the Docker-free local stack and the template-driven table set-up it shares with tests."""
