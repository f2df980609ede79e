"""Use cases. Each takes a unit of work, returns frozen dataclass views and raises
:mod:`crm_backend.errors`; none returns ORM rows."""
