"""The hooks a plugin can implement, grouped by the phase in which they run.

Every hook is named ``crm_*``. An implementation may accept any subset of the arguments
listed (pluggy passes only the ones it names), so a handler for "status changed to
Closed" can be as short as::

    @hookimpl
    def crm_after_save(record_type, record, changes):
        if record_type.name == "ticket" and changes.get("status", (None, None))[1] == "closed":
            ...

Rules for the record types of one's own are written without that check, as methods of a
rules object returned from :func:`crm_record_rules`; the global hooks stay for work across
types.

Arguments that recur:

``crm``
    The running :class:`crm_core.runtime.CRM`: ``crm.records`` (the records service),
    ``crm.registry`` (record types), ``crm.settings(plugin)``, ``crm.jobs`` and the other
    services documented in ``docs/plugins.md``.
``record_type``
    A :class:`crm_core.schema.RecordType` (``.name``, ``.fields``, ``.label``...).
``record``, ``old``
    Plain dicts of field values; ``old`` is ``None`` on create.
``actor``
    The :class:`crm_core.actors.Actor` doing the work (a user, or the system).
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("crm")

# -- start-up ----------------------------------------------------------------------------


@hookspec
def crm_config_schema():
    """Return the Cerberus schema of this plugin's ``[plugins.NAME]`` table in plugins.toml.

    Keys not in the schema are refused at start-up with a message naming the key; ``default``
    rules fill missing keys. Read the validated values with ``crm.settings("NAME")``.
    """


@hookspec
def crm_register_field_types():
    """Return a list of :class:`crm_core.fieldtypes.FieldType` objects this plugin adds."""


@hookspec
def crm_register_record_types():
    """Return a list of record-type definitions: dicts shaped like a schema TOML file, or paths
    of such files."""


@hookspec
def crm_extend_record_types(types):
    """Add fields, relations or picklists to record types of other plugins.

    ``types`` is a :class:`crm_core.schema.TypeExtender`: call ``types.add_field(type_name,
    field)``, ``types.add_relation(type_name, relation)``, ``types.add_picklist(type_name,
    name, picklist)``; ``types.has(type_name)`` tells whether a type is registered. Runs after
    every plugin's ``crm_register_record_types`` and before the storage mapping is built. A
    field or relation the type already has is refused, naming the extending plugin.
    """


@hookspec
def crm_record_rules():
    """Return ``{type_name: rules}``: rules for record types, so record hooks need no
    ``if record_type.name == ...``. ``rules`` is any object with some of the methods
    ``validate``, ``before_save``, ``after_save``, ``before_delete``, ``after_delete``,
    ``after_restore``, ``after_link``, ``after_unlink``, ``after_comment``, ``autonumber``,
    ``default_filter``, ``find_duplicates``, ``find_duplicates_many``, ``permission_filter``,
    ``permission_check``, ``list_views``, ``list_actions``, ``record_actions`` and
    ``record_panels``; each is called where the ``crm_``-prefixed hook of its name is,
    for records of its type only, takes any subset of that hook's arguments and answers as
    the hook's implementation would. Asked once, when the CRM is built; rules for a type
    that is not registered never run. See :mod:`crm_core.builtin.record_rules`.
    """


@hookspec
def crm_db_ready(crm):
    """The database schema matches the registry; the CRM is about to serve. Runs once per
    process start, after ``crm init`` or ``crm db upgrade`` too."""


@hookspec
def crm_register_commands(cli):
    """Add commands to the ``crm`` command line. ``cli`` is the root :mod:`click` group."""


@hookspec
def crm_demo_data(crm, actor):
    """Create this plugin's demo records with ``crm.records`` (``crm demo``). Called in
    dependency order, so records of required plugins exist already."""


# -- records -----------------------------------------------------------------------------


@hookspec
def crm_find_duplicates(crm, record_type, record, actor):
    """Return records ``actor`` may see that look like duplicates of ``record`` (before it
    is saved): dicts with ``type``, ``id``, ``number``, ``title`` and ``reason``. They are warnings: the web
    form shows them with links and the user may still save; imports report them.
    ``crm.duplicates.of(type_name, record)`` asks every plugin."""


@hookspec
def crm_find_duplicates_many(crm, record_type, records, actor):
    """:func:`crm_find_duplicates` for many records at once (an import asks once per
    thousand rows, the web form with a list of one): return one list of hits per record, in
    order, or ``None`` for a type that is not yours. Implement it instead when one query
    can answer for many records; the core then does not call this plugin's
    ``crm_find_duplicates``. A record's own ``id`` is left out of its hits by the core."""


@hookspec
def crm_default_filter(crm, record_type):
    """Return a :class:`crm_core.query.Where` that lists and search apply by default, unless
    the user filters on the same fields (leads hide converted ones this way), or ``None``."""


@hookspec(firstresult=True)
def crm_autonumber(crm, record_type, record):
    """Return the number for a new record, or ``None`` to let the core number it
    (prefix + counter). The first plugin that answers wins."""


@hookspec
def crm_validate(crm, record_type, record, old, actor):
    """Business rules beyond field types. Return ``{field: message}`` for every problem (or
    ``None``); any error refuses the save and nothing is stored."""


@hookspec
def crm_before_save(crm, record_type, record, old, actor):
    """Runs after validation, before the row is written; may change values in ``record`` (for
    computed fields). Raising refuses the save."""


@hookspec
def crm_after_save(crm, record_type, record, old, changes, actor, created):
    """Runs in the save's transaction after the row, history and search index are written.

    ``changes`` maps each changed field to ``(old, new)``; ``created`` is true for a new
    record. Other records may be written through ``crm.records``; work that must happen only
    after commit (mail, webhooks) is queued with ``crm.jobs.enqueue``. Raising rolls the whole
    save back. In an import the rows are queued and written a batch at a time; whatever
    the hook reads or writes through ``crm.records`` has them written first.
    """


@hookspec
def crm_before_delete(crm, record_type, record, actor):
    """Runs before a record goes to the recycle bin. Raise to refuse (e.g. a locked record)."""


@hookspec
def crm_after_delete(crm, record_type, record, actor, purged):
    """Runs in the transaction after a record was deleted (``purged`` true: removed for good)."""


@hookspec
def crm_after_restore(crm, record_type, record, actor):
    """Runs in the transaction after a record came back from the recycle bin."""


@hookspec
def crm_after_link(crm, relation, record_type, record, other_type, other, actor):
    """Two records were linked through a many-to-many ``relation`` (a
    :class:`crm_core.schema.Relation`); ``record`` is on the side that declares it."""


@hookspec
def crm_after_unlink(crm, relation, record_type, record, other_type, other, actor):
    """Two records were unlinked; arguments as for ``crm_after_link``."""


@hookspec
def crm_after_comment(crm, record_type, record, comment, actor, created):
    """A comment was added (``created`` true) or edited on a record, in its transaction.
    ``comment`` is a dict with ``id``, ``body``, ``internal``, ``author``, ``parent_id``."""


@hookspec
def crm_after_commit(crm, events):
    """Runs after a transaction committed, with the list of :class:`crm_core.events.Event`
    it produced. Not durable: for work that must not be lost, queue a job instead."""


@hookspec
def crm_register_jobs():
    """Return ``{job_name: function(crm, payload)}`` for durable jobs this plugin runs."""


# -- access ------------------------------------------------------------------------------


@hookspec(firstresult=True)
def crm_actor_from_request(crm, request):
    """Return the :class:`crm_core.actors.Actor` of a web request, or ``None`` to let the next
    plugin (and finally the session cookie / API token check) decide."""


@hookspec
def crm_permission_filter(crm, record_type, actor, action):
    """Return a :class:`crm_core.query.Where` restricting which records ``actor`` may see (or
    ``None`` for no restriction). Called once per list, search or export, never per row;
    restrictions from several plugins are combined with AND. An actor who is not staff (a
    portal contact) sees nothing unless some plugin returns a restriction for them: that
    restriction is then what they may see."""


@hookspec
def crm_permission_check(crm, record_type, record, actor, action):
    """Return ``False`` (or a message saying why) to forbid ``action`` (``"view"``,
    ``"create"``, ``"edit"``, ``"delete"``) on one record, ``True`` or ``None`` to have no
    objection."""


@hookspec
def crm_admin_check(crm, actor, action):
    """Answer whether ``actor`` may do an administrative ``action`` (one on no record:
    ``"administer"`` for picklists, fields, numbering, users, access settings and admin
    screens), asked by ``crm.access.can(actor, action)`` / ``crm.access.require``.

    Return ``True`` to grant, ``False`` (or a message saying why) to refuse, ``None`` for no
    opinion. Unlike :func:`crm_permission_check`, nothing is allowed by default: the action
    is allowed when some plugin grants it and none refuses. The core grants administrators
    every administrative action (:mod:`crm_core.builtin.permissions`).
    """


# -- web ---------------------------------------------------------------------------------


@hookspec
def crm_register_routes(crm):
    """Return the plugin's pages and endpoints: a list of :class:`crm_web.toolkit.Route`
    (``Route("POST", "/gadgets/<key>/weigh", weigh)``, options ``public``, ``api``,
    ``csrf_exempt``, ``name``). Each view is a module-level function taking the path's
    parameters; it reads the request and renders pages through :mod:`crm_web.toolkit`.
    Called once per app, plugin by plugin in dependency order."""


@hookspec
def crm_menu_items(crm, actor):
    """Return menu entries: dicts with ``label`` (en/ru dict or text), ``url`` and optional
    ``section`` (the record type whose menu they join, or ``"admin"`` for the
    administration page) and ``order``."""


@hookspec
def crm_record_actions(crm, record_type, record, actor):
    """Return buttons for a record's detail page: dicts with ``label``, ``url``, ``method``
    (``"get"`` or ``"post"``; post buttons carry the CSRF token), optional ``fields``,
    ``confirm``, and ``replaces`` (``"duplicate"``: the core's button of that name gives
    way to this one)."""


@hookspec
def crm_list_actions(crm, record_type, actor):
    """Return links for the top of a record type's list page: dicts with ``label`` and
    ``url`` (a plugin's import page, a dashboard, an admin screen of the type)."""


@hookspec
def crm_openapi_paths(crm):
    """Return OpenAPI 3.1 path items for the plugin's own JSON endpoints:
    ``{"/api/v1/lead/{key}/convert": {"post": {...}}}``; they join the generated document."""


@hookspec
def crm_record_panels(crm, record_type, record, actor):
    """Return extra panels for a detail page: dicts with ``title``, ``position`` (``"top"``,
    ``"main"`` (default) or ``"side"``) and either ``template`` (included with the page's
    context and the dict as ``panel``) or ``records``, ``record_type``, ``columns`` and
    ``present`` for a related list."""


@hookspec
def crm_template_context(crm, request, actor, template):
    """Return a dict of extra variables for rendering ``template`` (the template's name)."""


@hookspec
def crm_list_views(crm, record_type, actor):
    """Return saved list views ("queues") for a record type: dicts with ``name``, ``label``,
    ``where`` (list of :class:`crm_core.query.Condition`) and optional ``sort``."""


@hookspec
def crm_search(crm, text, actor, types):
    """Return extra global-search hits (dicts with ``type``, ``id``, ``title``, ``snippet``) for
    things full-text search would miss, such as an exact serial number."""
