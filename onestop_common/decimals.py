"""Reading a decimal number a person typed (an amount, a share, a wage): pure, for domain rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def parse_decimal(text: str) -> Decimal | None:
    """The finite number ``text`` spells (surrounding spaces ignored), or None: the caller says
    what is wrong with it in its own words."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None
