"""The storage layer: the only place that talks to Pony and writes SQL.

Everything above it (records service, CLI, web, plugins) sees dicts and the registry.
"""
