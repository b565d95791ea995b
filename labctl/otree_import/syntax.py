"""Small readings of Python syntax trees the import's rewriters share."""

from __future__ import annotations

import libcst as cst


def dotted(node: cst.BaseExpression) -> str:
    """``a.b.c`` for a name or attribute chain, else ``""``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        left = dotted(node.value)
        return f"{left}.{node.attr.value}" if left else ""
    return ""
