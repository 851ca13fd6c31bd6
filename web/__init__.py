"""The staff web UI and the JSON API (Bottle), built by an app factory."""
