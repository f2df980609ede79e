"""The CRM web app: the shop's demo storefront (with the chat widget) and, later, the staff
console. Build it with :func:`crm_backend.web.app.create_app`; nothing runs at import time.

Run: ``uvicorn crm_backend.web.app:create_app --factory``.
"""
