from django import template

from billing.selectors import masked_number

register = template.Library()


@register.filter
def masked(number: str, digits=None) -> str:
    """The dialled number with its last digits hidden (INVOICE_MASK_DIGITS)."""
    return masked_number(number or "", None if digits in (None, "") else int(digits))


@register.filter
def duration(seconds) -> str:
    minutes, secs = divmod(int(seconds or 0), 60)
    return f"{minutes}:{secs:02d}"
