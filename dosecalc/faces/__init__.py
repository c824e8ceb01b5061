"""Layer 6, the faces: the command line and the Textual app (tui/). No dose logic here."""
