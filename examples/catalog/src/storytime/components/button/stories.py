"""Stories for Button."""
from storytime import Story, Subject

from .button import Button


def this_subject() -> Subject:
    return Subject(
        title="Button",
        component=Button,
        stories=[
            Story(title="Primary", props=dict(label="Save", variant="primary")),
            Story(title="Secondary", props=dict(label="Cancel", variant="secondary")),
        ],
    )
