"""The shop's CRM: the system of record behind the bot and the staff console."""
