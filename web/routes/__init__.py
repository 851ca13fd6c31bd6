"""Route families of the core web app; each module has ``register(app, web)``."""
