"""Video: platforms that play the centre's cameras, frames grabbed as evidence (issue #17).

Not the domain (this package does HTTP and decodes video) and not the UI (the player widget
lives in ``widgets/``): the adapters, the credentials they need, the snapshot grabber and the
worker's online check.
"""
