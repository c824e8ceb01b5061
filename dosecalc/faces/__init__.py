"""Layer 6, the faces: the command line (and later the TUI). No dose logic here."""
