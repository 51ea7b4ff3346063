"""The editors' admin: one module per area; importing them registers their ModelAdmins.

The site itself (review dashboard, titles) is ``libya.desk.sites.DeskAdminSite``, installed as
``admin.site`` by ``libya.desk.apps.DeskAdminConfig``.
"""

from libya.desk.admin import (  # noqa: F401
    actors,
    articles,
    claims,
    deletions,
    events,
    jobs,
    keys,
    suggestions,
)
