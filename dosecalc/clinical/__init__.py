"""Layer 4, the clinical core: calculate (and later check and audit) on validated inputs."""
