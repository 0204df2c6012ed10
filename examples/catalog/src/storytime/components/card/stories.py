"""Stories for Card."""
from storytime import Story, Subject

from .card import Card


def this_subject() -> Subject:
    return Subject(
        title="Card",
        component=Card,
        stories=[
            Story(title="Short", props=dict(heading="Hello", text="A short card.")),
            Story(title="Long", props=dict(heading="Release notes", text="Everything that changed in this release, in one card.")),
        ],
    )
