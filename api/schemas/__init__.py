"""Schemas at the edge: one module per resource, shared field types in ``common``."""
