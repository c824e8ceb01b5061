"""Layer 1, the foundation: errors, the unit registry and parser, and display."""
