"""Import real order history into the CRM: the UCI Online Retail dataset or an admin's CSV.

Commands (both migrate the database first, then import in ONE transaction)::

    python -m crm_backend.importer online-retail [--path PATH] [--database-url URL]
    python -m crm_backend.importer csv FILE [--database-url URL] [--strict]
    # common options: --dry-run (validate + report only), --report-dir DIR, --no-progress,
    #   --force (re-check every row even if this exact file, by SHA-256, was imported before;
    #   by default the CLI stops at once with status "unchanged")
    # online-retail --skip-missing: exit 0 when the shared dataset is not there (make run)

Pipeline (:func:`import_file`, the same for both sources):

1. **read** (:mod:`.sources`): parquet / ``.csv.xz`` via pandas; a plain ``.csv`` via a
   defensive reader (50 MB limit, UTF-8 only, UTF-16/binary refused, delimiter ``,`` ``;``
   or TAB). Unusable files raise :class:`ImportFailed` before anything is written.
2. **validate** (:mod:`.validate`): each row is accepted, skipped (its order is already in
   the database: re-imports are idempotent) or rejected with one reason (see
   ``validate.REASONS``): cancellations (``C`` invoices), zero/negative quantities or prices,
   missing customer id, duplicate rows, unparseable dates, absurd outliers, postage/fees,
   control characters/NUL, over-long fields, spreadsheet formulas (``=cmd()``, ``+``,
   ``-``, ``@``), malformed e-mails/phones, e-mails or order numbers owned by someone else.
3. **plan** (:mod:`.plan`): new customers (``external_ref`` = customer id; details not in the
   file are synthesised deterministically per id, see :mod:`.synth`), new products (``sku``
   = stock code, name from the description, category from keywords, price = median unit
   price; existing SKUs such as the seed's catalogue are reused untouched), new orders.
4. **write** (:mod:`.writer`): Core ``INSERT`` executemany in chunks (customers, products,
   orders ``R<invoice>`` status delivered, order items, payments ``PAY-R…``, invoices
   ``INV-R…``), an ``import.completed`` audit entry, one commit. Any database error rolls
   everything back.
5. **report** (:mod:`.report`): ``<VAR_DIR>/import-reports/<time>-<source>.json`` and
   ``.md`` with counts per rejection reason, examples and per-row reasons.

Coexistence with the demo seed: imported orders are ``R`` + invoice number, the seed's are
``A…``; synthetic e-mails contain the customer id and never collide with the seed's; a
customer id the seed already uses (e.g. Alice = 17850) gets the imported orders attached
to the existing customer, whose details are left as they are.

CSV columns (header row required; names are case-insensitive, ``_``/spaces ignored;
Online Retail names in brackets are accepted too; unknown columns are ignored):

=================  ========  ===========================================================
column             required  meaning
=================  ========  ===========================================================
order_number       yes       4-8 digits, optionally prefixed ``R`` (stored as ``R<digits>``);
                             a leading ``C`` marks a cancellation and is rejected
                             [InvoiceNo]
sku                yes       product code, letters/digits (max 32) [StockCode]
description        new SKUs  product name for a SKU not yet in the catalogue [Description]
quantity           yes       whole number > 0 (max 10,000) [Quantity]
unit_price         yes       GBP, e.g. ``2.55`` (a leading ``£`` is fine), > 0 [UnitPrice]
order_date         yes       ISO 8601, e.g. ``2011-06-01 14:30`` (naive = UTC) [InvoiceDate]
customer_ref       yes       the customer's id in your system (letters/digits/._-, max 40)
                             [CustomerID]
country            no        country name or ISO code, e.g. ``United Kingdom`` / ``GB``
customer_name      no        else a synthetic name
email              no        else a synthetic ``…@example.com`` address
phone              no        else a fictional number (Ofcom drama range) or none
language           no        ``en`` or ``zh`` (else ~25 % zh, deterministic per customer)
=================  ========  ===========================================================

One row per order line; all rows of an order must name the same customer. Customer
details are taken from the customer's first row that has them; existing customers
(same ``customer_ref``) are never modified. Rows whose order number already exists for
the same customer are skipped (idempotent). Example: ``tests/data/import/sample_orders.csv``.
"""

from crm_backend.importer.pipeline import default_dataset_path, import_file
from crm_backend.importer.report import ImportReport
from crm_backend.importer.sources import ImportFailed

__all__ = ["ImportFailed", "ImportReport", "default_dataset_path", "import_file"]
