"""A button with a label and a variant."""

TEMPLATE = '<button class="button button--{variant}">{label}</button>'


def Button(label: str, variant: str = "primary") -> str:
    return TEMPLATE.format(label=label, variant=variant)
