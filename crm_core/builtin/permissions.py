"""Default access rules.

Per record type an administrator chooses the mode (``crm permissions set TYPE MODE`` or
the admin screen):

``public`` (default)
    every staff user may see and edit every record of the type;
``private``
    a staff user sees and edits only records assigned to them or to one of their groups;
    administrators see everything.

Administrators (and the system) administer: they are granted every administrative action
(``crm.access.require(actor, "administer")``, answered through ``crm_admin_check``).

Customers (portal contacts) are left to other plugins: the records service shows them
nothing unless a plugin (the customer portal) returns a restriction for them, which then
is what they may see.
"""

from crm_core import hookimpl
from crm_core.query import Condition

PERMISSION_MODES = ("public", "private")


@hookimpl
def crm_permission_filter(crm, record_type, actor, action):
    if actor.is_system or actor.is_admin:
        return None
    if actor.kind != "user":
        return None
    if crm.type_setting(record_type.name, "permission_mode", "public") != "private":
        return None
    return Condition("assigned_to", "in", actor.owner_refs())


@hookimpl
def crm_admin_check(actor):
    """Administrators administer; nobody else is granted anything here."""
    return True if actor.is_admin else None
