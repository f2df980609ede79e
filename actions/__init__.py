"""Custom actions and form validators; thin adapters over ``crm_backend`` services."""
