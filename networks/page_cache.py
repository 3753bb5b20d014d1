"""What the page cache must know about the networks (registry/change_stamp.py,
docs/caching.md): public pages show networks and memberships; an edit of one moves its model's
tag. The network pages show projects, so they are declared with the projects' pages."""

from registry.change_stamp import shown

from .models import (
    Membership,
    MembershipSource,
    MembershipTranslation,
    Network,
    NetworkSource,
    NetworkTranslation,
)

shown(Network)
shown(NetworkTranslation)
shown(Membership)
shown(NetworkSource)
shown(MembershipSource)
shown(MembershipTranslation)
