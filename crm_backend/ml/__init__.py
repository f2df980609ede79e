"""Machine learning and analytics of the CRM (CLTV, RFM segmentation, sentiment, ...).

Nothing here loads or trains anything at import time.
"""
