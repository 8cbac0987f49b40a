from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's role names, for the header and for hiding links."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    names = getattr(user, "_role_names", None)
    if names is None:
        names = sorted(user.groups.values_list("name", flat=True))
        user._role_names = names
    return {"user_roles": names}
