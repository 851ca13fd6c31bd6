"""One authorisation path: ``crm.access`` answers for administration (``crm_admin_check``,
administrators granted by the core's own rule) and for records (the permission hooks)."""

import pytest
from hookcheck import calls_hooks, named_hooks_are_called  # noqa: F401

from crm_core import NotFound, PermissionDenied, hookimpl
from crm_core.access import administrators_only
from crm_core.actors import SYSTEM


class PicklistKeeper:
    """Lets one staff user administer; refuses another, whatever their role."""

    def __init__(self, keeper, locked_out):
        self.keeper, self.locked_out = keeper, locked_out

    @hookimpl
    def crm_admin_check(self, actor, action):
        if actor.login == self.locked_out:
            return f"{actor.login} is on holiday"
        return True if actor.login == self.keeper and action == "administer" else None


@calls_hooks("crm_admin_check")
def test_administrators_administer_and_nobody_else(gadgets, staff):
    gadgets.directory.add_user("chief", "Chief", role="admin")
    chief = gadgets.directory.actor_for("chief")
    assert gadgets.access.can(chief, "administer") and gadgets.access.can(SYSTEM, "administer")
    assert not gadgets.access.can(staff["anna"], "administer")
    with pytest.raises(PermissionDenied) as refused:
        gadgets.access.require(staff["anna"], "administer")
    assert str(refused.value) == administrators_only()
    for change in (
        lambda: gadgets.picklists.add("gadget_colour", "Red", actor=staff["anna"]),
        lambda: gadgets.numbering.configure("gadget", prefix="G", actor=staff["anna"]),
        lambda: gadgets.directory.add_group("Sales", actor=staff["anna"]),
        lambda: gadgets.directory.update_user("boris", role="admin", actor=staff["anna"]),
    ):
        with pytest.raises(PermissionDenied, match="only administrators may do this"):
            change()


def test_a_plugin_grants_or_refuses_administration(gadgets, staff):
    gadgets.directory.add_user("chief", "Chief", role="admin")
    gadgets.pm.register(PicklistKeeper(keeper="anna", locked_out="chief"))
    gadgets.picklists.add("gadget_colour", "Red", actor=staff["anna"])
    assert "red" in [value.code for value in gadgets.picklists.get("gadget_colour").values]
    with pytest.raises(PermissionDenied, match="chief is on holiday"):
        gadgets.picklists.add("gadget_colour", "Blue", actor=gadgets.directory.actor_for("chief"))
    assert not gadgets.access.can(staff["boris"], "administer")


def test_record_actions_are_answered_by_the_permission_hooks(gadgets, staff):
    class Private:
        @hookimpl
        def crm_permission_check(self, record_type, actor, action):
            if record_type.name == "gadget" and action == "delete" and actor.login == "anna":
                return "anna may not delete gadgets"
            return None

    gadgets.pm.register(Private())
    gadget = gadgets.records.create("gadget", {"name": "Phone"})
    anna = staff["anna"]
    assert gadgets.access.can(anna, "edit", "gadget", gadget)
    assert not gadgets.access.can(anna, "delete", "gadget", gadget)
    with pytest.raises(PermissionDenied, match="anna may not delete gadgets"):
        gadgets.access.require(anna, "delete", gadgets.registry.type("gadget"), gadget)
    gadgets.set_setting("type:gadget", "permission_mode", "private")
    with pytest.raises(NotFound):
        gadgets.access.require(staff["boris"], "view", "gadget", gadget)
