"""Stories for Badge."""
from storytime import Story, Subject

from .badge import Badge


def this_subject() -> Subject:
    return Subject(
        title="Badge",
        component=Badge,
        stories=[
            Story(title="Info", props=dict(text="New", tone="info")),
            Story(title="Warning", props=dict(text="Deprecated", tone="warning")),
        ],
    )
