"""Users, groups and roles: Argon2id passwords, deactivation that keeps records and history,
assignment to users and groups, and private record types."""

from __future__ import annotations

import json

import pytest
from conftest import run_crm

from crm_core import Conflict, NotFound, PermissionDenied, ValidationError
from crm_core.query import Condition


@pytest.fixture
def cli(gadgets, tmp_path, sample_plugin_site):
    def run(*args, env=None):
        environment = {
            "PYTHONPATH": str(sample_plugin_site),
            "CRM_CONFIG": str(gadgets.config.path),
            **(env or {}),
        }
        return run_crm(*args, cwd=tmp_path, env=environment)

    return run


def stored_hash(crm, login: str) -> str:
    with crm.store.reading() as tx:
        return tx.execute(
            "SELECT password_hash FROM crm_user WHERE login = ?", (login,)
        ).fetchone()[0]


def test_passwords_are_hashed_with_argon2id(gadgets, staff):
    stored = stored_hash(gadgets, "anna")
    assert stored.startswith("$argon2id$")
    assert "anna-password" not in stored
    assert gadgets.directory.authenticate("anna", "anna-password")["login"] == "anna"
    assert gadgets.directory.authenticate("anna", "wrong-password") is None
    assert gadgets.directory.authenticate("nobody", "anna-password") is None
    assert gadgets.directory.get_user("anna")["has_password"] is True


def test_user_details_are_checked(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.directory.add_user(
            "a", " ", password="short", email="not-mail", role="boss", language="de"
        )
    assert set(caught.value.errors) == {
        "login",
        "full_name",
        "password",
        "email",
        "role",
        "language",
    }
    assert caught.value.errors["password"] == "must be at least 8 characters"
    assert caught.value.errors["role"] == "must be one of: admin, staff"
    gadgets.directory.add_user("anna", "Anna", password="anna-password")
    with pytest.raises(Conflict) as caught:
        gadgets.directory.add_user("anna", "Another Anna", password="anna-password")
    assert str(caught.value) == "a user with login 'anna' already exists"
    assert [u["login"] for u in gadgets.directory.list_users()] == ["anna"]


def test_only_administrators_manage_users(gadgets, staff):
    with pytest.raises(PermissionDenied):
        gadgets.directory.add_user("eve", "Eve", password="eve-password", actor=staff["anna"])
    with pytest.raises(PermissionDenied):
        gadgets.directory.set_password("boris", "new-password", actor=staff["anna"])
    with pytest.raises(PermissionDenied):
        gadgets.directory.update_user("anna", role="admin", actor=staff["anna"])
    gadgets.directory.update_user("anna", language="ru", actor=staff["anna"])  # own profile
    assert gadgets.directory.get_user("anna")["language"] == "ru"


def test_changing_ones_own_password_needs_the_current_one(gadgets, staff):
    with pytest.raises(ValidationError) as caught:
        gadgets.directory.set_password("anna", "brand-new-pass", actor=staff["anna"])
    assert caught.value.errors == {"current_password": "is not your current password"}
    gadgets.directory.set_password(
        "anna", "brand-new-pass", actor=staff["anna"], current_password="anna-password"
    )
    assert gadgets.directory.authenticate("anna", "brand-new-pass") is not None
    assert gadgets.directory.authenticate("anna", "anna-password") is None


def test_an_admins_password_reset_revokes_api_tokens_an_own_change_keeps_them(gadgets, staff):
    anna = gadgets.directory.get_user("anna")
    kept, _ = gadgets.sessions.create_api_token(anna["id"], "laptop script")
    gadgets.directory.set_password(
        "anna", "brand-new-pass", actor=staff["anna"], current_password="anna-password"
    )
    assert gadgets.sessions.actor_for_api_token(kept).id == anna["id"]

    gadgets.directory.set_password("anna", "reset-by-admin")  # the account may be stolen
    assert gadgets.sessions.actor_for_api_token(kept) is None
    assert gadgets.directory.authenticate("anna", "reset-by-admin") is not None


def test_deactivated_user_cannot_sign_in_but_keeps_records_and_history(gadgets, staff):
    anna = staff["anna"]
    record = gadgets.records.create("gadget", {"name": "Phone"}, actor=anna)
    assert record["assigned_to"] == f"user:{anna.id}"  # a new record is its creator's
    gadgets.records.update("gadget", record["id"], {"colour": "white"}, actor=anna)

    gadgets.directory.deactivate("anna")
    assert gadgets.directory.authenticate("anna", "anna-password") is None
    assert gadgets.directory.get_user("anna")["active"] is False
    kept = gadgets.records.get("gadget", record["id"])
    assert (kept["assigned_to"], kept["created_by"]) == (f"user:{anna.id}", f"user:{anna.id}")
    history = gadgets.records.history("gadget", record["id"])
    assert {entry["actor"] for entry in history if entry["kind"] != "welcomed"} == {
        f"user:{anna.id}"
    }
    assert gadgets.directory.owner_names([f"user:{anna.id}"]) == {f"user:{anna.id}": "Анна Петрова"}

    # saving the record unchanged still works; giving her new records does not
    gadgets.records.update(
        "gadget", record["id"], {"name": "Phone 2", "assigned_to": f"user:{anna.id}"}
    )
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "Tablet", "assigned_to": "anna"})
    assert caught.value.errors == {"assigned_to": "no active user or group called 'anna'"}
    assert f"user:{anna.id}" not in dict(gadgets.directory.owner_choices())

    gadgets.directory.activate("anna")
    assert gadgets.directory.authenticate("anna", "anna-password") is not None


def test_the_last_administrator_stays(gadgets):
    gadgets.directory.add_user("root", "Root", password="root-password", role="admin")
    with pytest.raises(Conflict) as caught:
        gadgets.directory.deactivate("root")
    assert "last active administrator" in str(caught.value)
    with pytest.raises(Conflict):
        gadgets.directory.update_user("root", role="staff")
    assert gadgets.directory.get_user("root")["active"] is True


def test_groups_and_assignment(gadgets, staff):
    directory = gadgets.directory
    support = directory.get_group("Support")
    assert support["members"] == ["anna"]
    directory.set_members("Support", add=["boris"], remove=["anna"])
    assert directory.get_group("Support")["members"] == ["boris"]
    assert directory.actor_for("boris").groups == (support["id"],)
    with pytest.raises(Conflict):
        directory.add_group("Support")
    with pytest.raises(ValidationError):
        directory.add_group("bad:name")
    with pytest.raises(NotFound):
        directory.set_members("Support", add=["nobody"])

    to_group = gadgets.records.create("gadget", {"name": "Phone", "assigned_to": "Support"})
    to_user = gadgets.records.create("gadget", {"name": "Tablet", "assigned_to": "user:boris"})
    assert to_group["assigned_to"] == f"group:{support['id']}"
    assert to_user["assigned_to"] == f"user:{staff['boris'].id}"
    listed = gadgets.records.list("gadget", where={"assigned_to": f"group:{support['id']}"})
    assert [r["name"] for r in listed.records] == ["Phone"]
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "Watch", "assigned_to": "group:99"})
    assert caught.value.errors == {"assigned_to": "group:99 does not exist or is inactive"}


def test_private_mode_restricts_lists_and_reads(gadgets, staff):
    anna, boris = staff["anna"], staff["boris"]
    gadgets.directory.add_user("chief", "Chief", password="chief-password", role="admin")
    chief = gadgets.directory.actor_for("chief")
    support = gadgets.directory.get_group("Support")["id"]
    mine = gadgets.records.create("gadget", {"name": "Anna's"}, actor=anna)
    theirs = gadgets.records.create("gadget", {"name": "Boris's"}, actor=boris)
    team = gadgets.records.create("gadget", {"name": "Team", "assigned_to": f"group:{support}"})
    nobodys = gadgets.records.create("gadget", {"name": "Nobody's"})

    def visible(actor):
        return sorted(r["name"] for r in gadgets.records.list("gadget", actor=actor).records)

    assert visible(anna) == visible(boris) == ["Anna's", "Boris's", "Nobody's", "Team"]
    gadgets.set_setting("type:gadget", "permission_mode", "private")
    assert visible(anna) == ["Anna's", "Team"]  # hers and her group's
    assert visible(boris) == ["Boris's"]
    assert visible(chief) == ["Anna's", "Boris's", "Nobody's", "Team"]  # administrators

    with pytest.raises(NotFound) as caught:
        gadgets.records.get("gadget", theirs["id"], actor=anna)
    assert str(caught.value) == f"gadget {theirs['id']} not found"  # not "forbidden"
    with pytest.raises(NotFound):
        gadgets.records.update("gadget", nobodys["id"], {"name": "Mine now"}, actor=anna)
    with pytest.raises(NotFound):
        gadgets.records.delete("gadget", theirs["id"], actor=anna)
    assert gadgets.records.get("gadget", team["id"], actor=anna)["name"] == "Team"
    assert gadgets.records.can("gadget", mine, anna, "edit")
    assert not gadgets.records.can("gadget", theirs, anna, "view")
    found = gadgets.records.list("gadget", where=[Condition("name", "contains", "s")], actor=boris)
    assert [r["name"] for r in found.records] == ["Boris's"]
    gadgets.directory.set_members("Support", remove=["anna"])
    assert visible(gadgets.directory.actor_for("anna")) == ["Anna's"]


def test_users_and_groups_through_the_cli(gadgets, cli, tmp_path):
    added = cli(
        "users", "add", "anna", "--name", "Анна Петрова", "--email", "anna@example.com",
        "--language", "ru", env={"CRM_PASSWORD": "anna-password"},
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added user anna (id 1, staff)"
    password_file = tmp_path / "password.txt"
    password_file.write_text("boris-password\n", encoding="utf-8")
    assert cli("users", "add", "boris", "--name", "Boris", "--role", "admin",
               "--password-file", str(password_file)).returncode == 0  # fmt: skip
    no_password = cli("users", "add", "carl", "--name", "Carl")
    assert no_password.returncode == 2
    assert "give the password with --password-file FILE or $CRM_PASSWORD" in no_password.stderr
    weak = cli("users", "add", "carl", "--name", "Carl", env={"CRM_PASSWORD": "short"})
    assert (weak.returncode, weak.stderr.strip()) == (
        1,
        "error: password: must be at least 8 characters",
    )

    users = json.loads(cli("users", "list", "--json").stdout)
    assert [(u["login"], u["role"], u["language"], u["active"]) for u in users] == [
        ("anna", "staff", "ru", True),
        ("boris", "admin", "en", True),
    ]
    assert stored_hash(gadgets, "anna").startswith("$argon2id$")

    changed = cli("users", "passwd", "anna", env={"CRM_PASSWORD": "anna-new-password"})
    assert changed.stdout.strip() == "password of anna changed"
    assert gadgets.directory.authenticate("anna", "anna-new-password") is not None
    assert cli("users", "deactivate", "anna").stdout.strip() == "anna deactivated"
    assert gadgets.directory.authenticate("anna", "anna-new-password") is None
    listed = cli("users", "list").stdout.splitlines()
    assert listed[0].split()[-1] == "inactive" and listed[1].split()[-1] == "active"

    assert cli("groups", "add", "Support", "--description", "First line").stdout.strip() == (
        "added group Support (id 1)"
    )
    members = cli("groups", "members", "Support", "--add", "anna", "--add", "boris")
    assert members.stdout.strip() == "Support: anna, boris"
    assert (
        cli("groups", "members", "Support", "--remove", "anna").stdout.strip() == "Support: boris"
    )
    assert cli("groups", "list").stdout.split() == ["1", "Support", "boris"]
    missing = cli("groups", "members", "Nope")
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: no group 'Nope'")

    # --as acts as a user: in private mode boris (an admin) sees all, anna nothing of others
    gadgets.records.create("gadget", {"name": "Boris's", "assigned_to": "boris"})
    cli("users", "activate", "anna")
    assert cli("permissions", "gadget", "private").returncode == 0
    as_anna = json.loads(cli("--as", "anna", "records", "list", "gadget", "--json").stdout)
    assert as_anna["records"] == []
    as_boris = json.loads(cli("--as", "boris", "records", "list", "gadget", "--json").stdout)
    assert [r["name"] for r in as_boris["records"]] == ["Boris's"]
