"""Product recommendations for customers and "frequently bought together" for a product.

Both return a :class:`RecommendationsView` of active, in-stock products. The model is the
current ``recommender`` version (:mod:`crm_backend.ml.recommender`, loaded once per
version); without one, or for a customer without purchases (cold start), the best sellers
of the last 90 days are used. A customer's own purchase history is read fresh from the
database on every call, so a new order counts at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

from crm_backend.errors import NotFound, ValidationError
from crm_backend.ml import registry
from crm_backend.ml.recommender import NAME, POPULAR, Recommender, Scored
from crm_backend.ml.recommender_train import PURCHASE_STATUSES
from crm_backend.services.catalogue import search_products
from crm_backend.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

MAX_RESULTS = 20
POPULAR_DAYS = 90
CANDIDATE_FACTOR = 4  # ask the model for more than needed: some may be out of stock
MAX_SKU_LENGTH = 32
PRODUCT_NOT_FOUND = "No product matches this code."
CUSTOMER_NOT_FOUND = "No customer matches these details."


@dataclass(frozen=True)
class ProductView:
    sku: str
    name_en: str
    name_zh: Optional[str]
    price: Decimal
    category: str
    reason: str  # personal | bought_before | popular | bought_together | similar

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" and self.name_zh else self.name_en


@dataclass(frozen=True)
class RecommendationsView:
    products: Tuple[ProductView, ...]
    personalised: bool
    model_version: Optional[str]


def current_model() -> Tuple[Optional[Recommender], Optional[str]]:
    """The current recommender and its version, or (None, None) if none was trained."""
    try:
        model, info = registry.load_current(NAME)
    except registry.ModelNotTrained:
        return None, None
    return model, info.version


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_RESULTS:
        raise ValidationError(f"n must be between 1 and {MAX_RESULTS}", field="n")
    return n


def _available(product: Any) -> bool:
    return product is not None and bool(product.active) and int(product.stock or 0) > 0


def _views(
    uow: UnitOfWork, scored: List[Scored], n: int, exclude: Tuple[str, ...] = ()
) -> List[ProductView]:
    products = uow.analytics.products_by_skus([s.item for s in scored])
    views: List[ProductView] = []
    for candidate in scored:
        product = products.get(candidate.item)
        if candidate.item in exclude or product is None or not _available(product):
            continue
        views.append(
            ProductView(
                sku=str(product.sku),
                name_en=str(product.name_en),
                name_zh=product.name_zh,
                price=product.price,
                category=str(product.category),
                reason=candidate.reason,
            )
        )
        if len(views) >= n:
            break
    return views


def _top_up(
    uow: UnitOfWork,
    views: List[ProductView],
    n: int,
    now: datetime,
    category: Optional[str] = None,
    exclude: Tuple[str, ...] = (),
) -> List[ProductView]:
    """Fill up to ``n`` with recent best sellers (all-time if the shop was quiet)."""
    if len(views) >= n:
        return views
    taken = {v.sku for v in views} | set(exclude)
    for since in (now - timedelta(days=POPULAR_DAYS), None):
        skus = uow.analytics.best_sellers(PURCHASE_STATUSES, since, n * 3, category=category)
        fresh = [Scored(s, 0.0, POPULAR) for s in skus if s not in taken]
        for view in _views(uow, fresh, n - len(views)):
            views.append(view)
            taken.add(view.sku)
        if len(views) >= n:
            break
    return views


def _history(uow: UnitOfWork, customer_id: int, now: datetime) -> Dict[str, Tuple[int, float]]:
    rows = uow.analytics.customer_purchases(customer_id, PURCHASE_STATUSES)
    return {
        sku: (orders, max((now - last).total_seconds() / 86400.0, 0.0))
        for sku, orders, last in rows
    }


def recommend_for_customer(
    uow: UnitOfWork, customer_id: Optional[int], n: int = 5, *, now: Optional[datetime] = None
) -> RecommendationsView:
    """Up to ``n`` products for ``customer_id`` (None: the shop's best sellers).

    Raises:
        ValidationError: ``n`` outside 1..20 or a malformed customer id.
        NotFound: unknown or inactive customer.
    """
    n = _check_n(n)
    if customer_id is not None and (
        isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0
    ):
        raise ValidationError("Invalid customer id.", field="customer_id")
    when = now or datetime.now(timezone.utc)
    model, version = current_model()
    with uow:
        views: List[ProductView] = []
        if customer_id is not None:
            customer = uow.customers.get(customer_id)
            if customer is None or not customer.is_active:
                raise NotFound(CUSTOMER_NOT_FOUND)
            if model is not None:
                history = _history(uow, customer_id, when)
                views = _views(uow, model.recommend(history, n * CANDIDATE_FACTOR), n)
        elif model is not None:
            views = _views(uow, model.recommend({}, n * CANDIDATE_FACTOR), n)
        views = _top_up(uow, views, n, when)
    personal = any(v.reason != POPULAR for v in views)
    return RecommendationsView(tuple(views), personal, version)


def normalise_sku(sku: object) -> str:
    if not isinstance(sku, str) or not sku.strip() or len(sku.strip()) > MAX_SKU_LENGTH:
        raise ValidationError("Please give a product code.", field="sku")
    return sku.strip().upper()


def frequently_bought_with(
    uow: UnitOfWork, sku: str, n: int = 5, *, now: Optional[datetime] = None
) -> RecommendationsView:
    """Up to ``n`` products often bought in the same order as ``sku``.

    Association rules first, then items the model finds similar, then best sellers of the
    same category.

    Raises:
        ValidationError: blank / over-long code or ``n`` outside 1..20.
        NotFound: no product with this code.
    """
    n = _check_n(n)
    code = normalise_sku(sku)
    when = now or datetime.now(timezone.utc)
    model, version = current_model()
    with uow:
        product = uow.products.get_by_sku(code)
        if product is None:
            raise NotFound(PRODUCT_NOT_FOUND)
        views: List[ProductView] = []
        if model is not None:
            views = _views(uow, model.also_bought(code, n * CANDIDATE_FACTOR), n, (code,))
        views = _top_up(uow, views, n, when, category=str(product.category), exclude=(code,))
    return RecommendationsView(tuple(views), False, version)


@dataclass(frozen=True)
class GoesWithView:
    product: Optional[ProductView]  # the catalogue's best match for the query (None: no match)
    recommendations: RecommendationsView


def goes_with(
    uow: UnitOfWork, query: object, n: int = 5, *, now: Optional[datetime] = None
) -> GoesWithView:
    """ "What goes with the cake stand?": bought-together products of the best match.

    Raises:
        ValidationError: nothing searchable in ``query`` or ``n`` outside 1..20.
    """
    n = _check_n(n)
    found = search_products(uow, query, limit=1).products
    if not found:
        return GoesWithView(None, RecommendationsView((), False, None))
    hit = found[0]
    view = ProductView(hit.sku, hit.name_en, hit.name_zh, hit.price, hit.category, "match")
    return GoesWithView(view, frequently_bought_with(uow, hit.sku, n, now=now))
