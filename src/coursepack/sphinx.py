"""The Sphinx extension, importable as ``coursepack.sphinx`` from any project's conf.py."""

from coursepack.render.site import setup

__all__ = ["setup"]
