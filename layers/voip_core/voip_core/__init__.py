"""voip_core: the domain of the Rocket.Chat-compatible call-center room service."""
