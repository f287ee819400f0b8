"""Writes of the ``lms`` app: one module (or package) per concern."""
