"""The signed-in user as Django sees it: ``request.user`` of a request with a session or a
bearer token. Nothing is stored: each request's user comes from its session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models.manager import EmptyManager

from .._native import Claims, Identity, User


class ScalekitUser:
    """A Scalekit user in Django's user protocol: ``is_authenticated`` is true,
    ``has_perm("users:read")`` checks the user's Scalekit permissions (and
    ``ahas_perm`` awaits the same), ``roles`` and ``organization_id`` come from the
    access token, ``identity`` is the whole :class:`~scalekit_auth.Identity`. It has no
    database row: ``save()`` and ``delete()`` refuse, and the groups and permission
    managers are empty, as for Django's ``AnonymousUser``.

    >>> from scalekit_auth import Claims, Identity
    >>> user = ScalekitUser(Identity(claims=Claims({"sub": "usr_1", "permissions": ["users:read"]})))
    >>> user.is_authenticated, user.has_perm("users:read"), user.has_perm("users:write")
    (True, True, False)
    """

    is_active = True
    is_staff = False
    is_superuser = False
    is_authenticated = True
    is_anonymous = False
    _groups = EmptyManager(Group)
    _user_permissions = EmptyManager(Permission)

    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    @property
    def user(self) -> User:
        return self.identity.user

    @property
    def claims(self) -> Claims:
        return self.identity.claims

    @property
    def id(self) -> str:
        """The Scalekit user id (``sub``)."""
        return self.identity.user.id

    pk = id

    @property
    def username(self) -> str:
        return self.identity.user.username or self.identity.user.email or self.identity.user.id

    @property
    def email(self) -> str:
        return self.identity.user.email or ""

    @property
    def first_name(self) -> str:
        return self.identity.user.given_name or ""

    @property
    def last_name(self) -> str:
        return self.identity.user.family_name or ""

    @property
    def roles(self) -> list[str]:
        return self.identity.claims.roles

    @property
    def permissions(self) -> list[str]:
        return self.identity.claims.permissions

    @property
    def organization_id(self) -> str | None:
        return self.identity.user.organization_id or self.identity.claims.oid

    @property
    def groups(self) -> EmptyManager[Group]:
        return self._groups

    @property
    def user_permissions(self) -> EmptyManager[Permission]:
        return self._user_permissions

    def get_username(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return self.identity.user.name or " ".join(p for p in (self.first_name, self.last_name) if p)

    def get_short_name(self) -> str:
        return self.first_name or self.username

    def has_role(self, role: str) -> bool:
        """Whether the user holds ``role``."""
        return role in self.identity.claims.roles

    def get_all_permissions(self, obj: Any = None) -> set[str]:
        """The user's Scalekit permissions. They are not per object: for an object, none
        (as Django's ModelBackend answers), so an object-level check never passes on them."""
        if obj is not None:
            return set()
        return set(self.identity.claims.permissions)

    def get_user_permissions(self, obj: Any = None) -> set[str]:
        return self.get_all_permissions(obj)

    def get_group_permissions(self, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """Whether the user holds the Scalekit permission ``perm`` (``"users:read"``, or
        ``"users.read"`` as Django's ``perms`` in templates spells it). Never for an
        object: Scalekit permissions are not per object."""
        if obj is not None:
            return False
        held = self.identity.claims.permissions
        return perm in held or ("." in perm and perm.replace(".", ":", 1) in held)

    def has_perms(self, perm_list: Iterable[str], obj: Any = None) -> bool:
        if isinstance(perm_list, str) or not isinstance(perm_list, Iterable):
            raise ValueError("perm_list must be an iterable of permissions.")
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        """Whether any permission is in ``app_label`` (``app_label.x`` or ``app_label:x``)."""
        return any(p.startswith((f"{app_label}.", f"{app_label}:")) for p in self.identity.claims.permissions)

    async def aget_all_permissions(self, obj: Any = None) -> set[str]:
        return self.get_all_permissions(obj)

    async def aget_user_permissions(self, obj: Any = None) -> set[str]:
        return self.get_user_permissions(obj)

    async def aget_group_permissions(self, obj: Any = None) -> set[str]:
        return set()

    async def ahas_perm(self, perm: str, obj: Any = None) -> bool:
        return self.has_perm(perm, obj)

    async def ahas_perms(self, perm_list: Iterable[str], obj: Any = None) -> bool:
        return self.has_perms(perm_list, obj)

    async def ahas_module_perms(self, app_label: str) -> bool:
        return self.has_module_perms(app_label)

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("a Scalekit user has no database row to save")

    def delete(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("a Scalekit user has no database row to delete")

    def __str__(self) -> str:
        return self.username

    def __repr__(self) -> str:
        return f"ScalekitUser(id={self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScalekitUser) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)
