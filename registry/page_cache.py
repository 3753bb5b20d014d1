"""What the page cache must know about the reference data (registry/change_stamp.py,
docs/caching.md): public pages show every reference model, and an edit of one moves its model's
tag ("registry.goal"), so the pages that show goals change while the others stay cached."""

from .change_stamp import not_shown, page, shown
from .models import Country, Funder, Goal, Municipality, Organisation, Source

for model in [Country, Municipality, Organisation, Funder, Goal, Source]:
    shown(model)

not_shown(
    "registry.Coordinator", "registry.SeedRecord", "registry.ChangeStamp", "registry.TagStamp"
)
# Reports through the accessibility statement's form are kept for the records only.
not_shown("registry.AccessibilityMessage")

# The accessibility statement shows no data: no edit changes it.
page("registry:accessibility", tags=[], query=[])
# Its report form (registry/views.py) answers no-store: it sets the CSRF cookie its form needs,
# so the page cache never stores it; it reads only `sent`.
page("registry:accessibility_report", tags=[], query=["sent"])
# Uploaded pictures (registry/media.py): streamed files, never stored in the page cache; each
# name is one file for ever, so the file answers with a year's Cache-Control of its own.
page("media", tags=[], query=[])
