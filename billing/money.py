"""Money is Decimal, rounded in one place with one rule: half up to the cent."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(amount) -> Decimal:
    """The one rounding of the house: to the cent, half up (0.005 -> 0.01)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text) -> Decimal:
    """An amount typed or written in a document ("0.30", "1,50" is refused); raises ValueError."""
    if isinstance(text, bool) or text is None:
        raise ValueError("not an amount")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"{str(text)[:20]!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{str(text)[:20]!r} is not an amount")
    return value


def tax_contained(gross: Decimal, rate: Decimal) -> Decimal:
    """The tax inside a gross price at `rate` percent."""
    if not rate:
        return ZERO
    return quantize(gross * rate / (Decimal(100) + rate))
