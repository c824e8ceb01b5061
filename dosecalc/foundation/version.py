"""dosecalc's version, in one place: hatch reads it here when building, and every layer that
prints it (reports, the CLI) imports it from here."""

__version__ = "0.1.0"
