"""Layer 5, reports: a result rendered for people (plain text)."""
