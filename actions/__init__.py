"""Custom actions and form validators; thin adapters over ``crm_backend`` services."""

from crm_backend import log_masking

log_masking.install()  # no e-mail, phone or card number in the action server's logs
