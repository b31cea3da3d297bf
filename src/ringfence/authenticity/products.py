"""Products: what a licensee registers before codes are issued for it."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ringfence.authenticity.error_codes import ErrorCode
from ringfence.authenticity.models import Product
from ringfence.authenticity.schemas import ProductIn, ProductOut
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.registry.builtin import IOC_ID
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Category, Mark, Party
from ringfence.registry.service import manages

# ------------------------------------------------------------------ products


def _may_see_licensee(session: Session, principal: Principal, licensee_id: str) -> bool:
    """The licensee itself (a licensee-role key), its managing rights holder, or the admin."""
    return principal.acts_as(Role.licensee, licensee_id) or manages(session, principal, licensee_id)


def register_product(session: Session, *, principal: Principal, data: ProductIn) -> ProductOut:
    if principal.role is Role.marketplace or not _may_see_licensee(
        session, principal, data.licensee
    ):
        raise Forbidden(
            "products are registered by their licensee, its managing party or the admin",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=("licensee",),
        )
    licensee = session.get(Party, data.licensee)
    if licensee is None or licensee.kind is not PartyKind.licensee:
        raise InvalidInput(
            f"{data.licensee!r} is not a licensee",
            code=ErrorCode.UNKNOWN_LICENSEE,
            loc=("licensee",),
        )
    if session.get(Category, data.category) is None:
        raise InvalidInput(
            f"unknown category {data.category!r}",
            code=ErrorCode.UNKNOWN_CATEGORY,
            loc=("category",),
        )
    for i, mark in enumerate(data.marks):
        if session.get(Mark, mark) is None:
            raise InvalidInput(
                f"unknown mark {mark!r}", code=ErrorCode.UNKNOWN_MARK, loc=("marks", i)
            )
    if session.get(Product, data.gtin) is not None:
        raise Conflict(f"GTIN {data.gtin} is already registered", code=ErrorCode.PRODUCT_EXISTS)
    product = Product(
        gtin=data.gtin,
        name=data.name,
        licensee_id=data.licensee,
        category_id=data.category,
        marks=list(dict.fromkeys(data.marks)),
    )
    session.add(product)
    session.flush()
    return ProductOut.model_validate(product)


def _get_product(session: Session, principal: Principal, gtin: str) -> Product:
    product = session.get(Product, gtin)
    if product is None or not _may_see_licensee(session, principal, product.licensee_id):
        raise NotFound(
            f"no product with GTIN {gtin}", code=ErrorCode.PRODUCT_NOT_FOUND, loc=("gtin",)
        )
    return product


def get_product(session: Session, *, principal: Principal, gtin: str) -> ProductOut:
    return ProductOut.model_validate(_get_product(session, principal, gtin))


def list_products(session: Session, *, principal: Principal) -> list[ProductOut]:
    query = select(Product).order_by(Product.gtin)
    if not principal.is_admin:
        party = principal.party_id or ""
        if principal.role is Role.licensee:
            query = query.where(Product.licensee_id == party)
        elif principal.role is Role.rights_holder:
            # The same rule as ``manages``: the parties it manages (the IOC: nobody's too).
            mine = Party.managed_by_id == party
            if party == IOC_ID:
                mine = or_(mine, Party.managed_by_id.is_(None))
            managed = select(Party.id).where(mine)
            query = query.where(Product.licensee_id.in_(managed))
        else:
            return []
    return [ProductOut.model_validate(p) for p in session.scalars(query)]
