"""A rule set in words: the listing ``dosecalc rules`` prints, and what ``rules --check``
says of a valid folder."""

from __future__ import annotations

from dosecalc.clinical.limits import limit_lines, reviewed
from dosecalc.foundation.display import format_range
from dosecalc.ruleset.loader import RuleSet


def rules_valid(rule_set: RuleSet) -> str:
    """``rules --check``'s answer for a folder that loaded: how many regimens, the rules'
    version and SHA-256."""
    return (
        f"OK: {rule_set.path} holds {len(rule_set.regimens)} valid regimens\n"
        f"version {rule_set.version}\nsha256 {rule_set.sha256}\n"
    )


def rules_listing(rule_set: RuleSet) -> str:
    """Every regimen of ``rule_set``: its range, side effects, source, limits and review."""
    lines = [
        f"Rules in {rule_set.path}",
        f"version {rule_set.version}",
        f"sha256 {rule_set.sha256}",
        "",
    ]
    for regimen in rule_set.regimens:
        aliases = f" (also: {', '.join(regimen.aliases)})" if regimen.aliases else ""
        lines += [
            f"{regimen.id}{aliases}",
            f"  {regimen.drug}, {regimen.route}: {format_range(*regimen.dose.quantities())} "
            f"({regimen.kind})",
            f"  side effects: {', '.join(regimen.side_effects)}",
            f"  source: {regimen.source.cited}",
            *(
                f"  also ordered as: {other.name} ({other.source.cited})"
                for other in regimen.other_names
            ),
            *(f"  {line}" for line in limit_lines(regimen)),
            *([f"  {reviewed(regimen)}"] if reviewed(regimen) else []),
        ]
    return "\n".join(lines) + "\n"
