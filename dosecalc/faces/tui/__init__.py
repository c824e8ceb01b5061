"""The Textual app: weight and route in, range, warnings and basis out.

Only `dosecalc.faces.cli` imports this package, and only when the app is
started, so the clinical core and the command line never load textual.
"""
