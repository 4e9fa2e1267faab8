"""voip_local: the Docker-free local stack, and the table set-up from template.yaml."""
