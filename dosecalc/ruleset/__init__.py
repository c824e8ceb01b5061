"""Layer 2, the rules: the rule-file schema and the folder loader."""
