"""A small status badge."""

TEMPLATE = '<span class="badge badge--{tone}">{text}</span>'


def Badge(text: str, tone: str = "info") -> str:
    return TEMPLATE.format(text=text, tone=tone)
