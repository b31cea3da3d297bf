"""What an error means, in the visitor's language. The services raise errors with a stable
machine code and an English text for developers (the API's ``msg``); a page shows the
translation of the code's sentence here instead, and keeps the code itself visible (and in a
``data-code`` attribute) for support. A code without a sentence falls back to its status's."""

from __future__ import annotations

from ringfence.web import i18n
from ringfence.web.i18n import N_

# Error code -> the sentence a page shows (English source text; translated where shown).
BY_CODE: dict[str, str] = {
    "csrf_failed": N_(
        "The form has expired or did not come from this site. Reload the page and try again."
    ),
    "out_of_stock": N_("There is not enough stock left for this order."),
    "payment_declined": N_(
        "The card was declined. Nothing was charged: check the details or use another card."
    ),
    "payment_timeout": N_(
        "The payment service did not answer in time. Nothing was charged: please try again."
    ),
    "capture_failed": N_("The payment could not be completed. Nothing was charged."),
    "reservation_expired": N_("The items were held for too long. Please check out again."),
    "payment_failed": N_("The payment did not go through. Nothing was charged."),
    "not_found": N_("There is no such page."),
    "role_not_allowed": N_("Your role cannot use this page."),
    "forbidden_role": N_("Your role cannot do this."),
    "licence_does_not_cover": N_("No licence in force covers this product."),
    "invalid_input": N_("A value you entered is not valid. Please check the form."),
    "invalid_value": N_("A value you entered cannot be stored (a control character, or too big)."),
    "invalid_email": N_("This is not a valid e-mail address."),
    "invalid_postal_code": N_("This postal code is not valid for the country chosen."),
    "invalid_credentials": N_("Wrong e-mail or password."),
    "invalid_lot": N_(
        "This lot breaks the GS1 rule for lots: 1 to 20 letters, digits or "
        "!\"%&'()*+,-./:;<=>?_ (no spaces or accents)."
    ),
    "invalid_uri": N_("This is not an authenticity code. Copy the whole link."),
    "invalid_gtin": N_("This is not a valid GTIN (its check digit is wrong)."),
    "invalid_serial": N_("This is not a valid serial number."),
    "invalid_decision": N_("This decision cannot be taken on this case."),
    "invalid_reason_code": N_("This reason does not fit the decision."),
    "invalid_file": N_("The file cannot be read as listings."),
    "missing_columns": N_("The file lacks columns that listings need."),
    "empty_file": N_("The file is empty."),
    "file_too_large": N_("The file is too large."),
    "body_too_large": N_("What was sent is too large."),
    "unsupported_content_type": N_("This kind of file is not accepted."),
    "cart_full": N_("The cart is full: check out or remove an item first."),
    "offer_not_found": N_("This item is no longer on sale."),
    "offer_not_on_sale": N_("This item is no longer on sale."),
    "store_not_found": N_("There is no such store."),
    "store_closed": N_("This store is closed for now."),
    "not_shipped_there": N_("This store does not ship to that country."),
    "order_not_found": N_("There is no such order, or it was not placed from this browser."),
    "case_not_found": N_("There is no such case, or it is not yours to see."),
    "case_closed": N_("This case is already closed."),
    "illegal_transition": N_("This cannot be done in the current state."),
    "conflict": N_("The change conflicts with existing data."),
    "mark_not_found": N_("There is no such mark."),
    "batch_not_found": N_("There is no such batch of codes."),
    "batch_recalled": N_("This batch of codes is recalled."),
    "product_not_found": N_("There is no such product."),
    "unknown_product": N_("There is no such product."),
    "unknown_language": N_("This language is not available."),
    "edition_archived": N_("This edition is archived: its records cannot change."),
    "rate_limited": N_("Too many attempts. Wait a moment and try again."),
    "already_reported": N_("This code has already been reported."),
    "where_required": N_("Say where you bought or saw the item."),
    "exception_too_broad": N_("This exception would let too much through: make it narrower."),
    "exception_not_in_listing": N_("This phrase is not in the listing."),
    "not_your_store": N_("Only the store's owner can do this."),
    "method_not_allowed": N_("This page cannot be used this way."),
}

# HTTP status -> the sentence for a code without its own.
BY_STATUS: dict[int, str] = {
    400: N_("The request cannot be handled."),
    402: N_("The payment did not go through. Nothing was charged."),
    403: N_("You cannot do this."),
    404: N_("There is no such page."),
    405: N_("This page cannot be used this way."),
    409: N_("This conflicts with the current state."),
    413: N_("What was sent is too large."),
    422: N_("A value you entered is not valid. Please check the form."),
    429: N_("Too many attempts. Wait a moment and try again."),
    503: N_("The service is busy. Try again in a moment."),
}
DEFAULT = N_("Something went wrong.")


def explain(code: str, status: int, lang: str) -> str:
    """The sentence for an error, in ``lang``."""
    text = BY_CODE.get(code) or BY_STATUS.get(status) or DEFAULT
    return i18n.translations(lang).gettext(text)


def known(code: str) -> bool:
    """Whether the code has a sentence of its own (else the page also shows the service's
    English text, marked as English)."""
    return code in BY_CODE
