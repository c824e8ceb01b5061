"""Layer 4, the clinical core: calculate, check and the calculator session, on validated inputs."""
