"""Deterministic demo data: ``python -m crm_backend.seed`` (see seed/DEMO.md)."""

from crm_backend.seed.runner import seed

__all__ = ["seed"]
