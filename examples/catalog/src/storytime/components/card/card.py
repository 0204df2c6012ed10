"""A card with a heading and some text."""

TEMPLATE = '<article class="card"><h3>{heading}</h3><p>{text}</p></article>'


def Card(heading: str, text: str) -> str:
    return TEMPLATE.format(heading=heading, text=text)
