"""How tall an embed's frame is made, for a page that does not load the resizing script
(static/js/embed.js): the builder's snippet and the oEmbed answer both give these."""

HEIGHTS = {"list": 900, "project": 420, "map": 640}
# A project's card with its picture beside the text (about 470 px tall in a 480 px frame).
PROJECT_WITH_PICTURE_HEIGHT = 520


def project_card_height(project):
    """The height a frame of `project`'s card needs."""
    return PROJECT_WITH_PICTURE_HEIGHT if project.pictures.exists() else HEIGHTS["project"]
