"""Variants of the Shopify, WooCommerce and Stripe exports (see fixture_variants_cn.py):
Shopify with Email on every line and +0800 times, WooCommerce statuses with the ``wc-``
prefix and the Advanced Order Export layout (one row per item, order values repeated, refunds
in Order Refund Amount), Stripe's unified payments export (``Created date (UTC)``)."""

from __future__ import annotations

import random

import fixture_intl as intl
from fixture_io import Fixture, csv_bytes, header, money, ts
from fixture_model import Spec, make_customers, make_orders, truth

# Advanced Order Export For WooCommerce, default fields (search "\"Order Refund Amount\"":
# a public converter writes this header for WooCommerce imports).
AOE_HEADER = header(
    "Order Number,Order Status,Order Date,Customer Note,First Name (Billing)",
    "Last Name (Billing),Company (Billing),Address 1&2 (Billing),City (Billing)",
    "State Code (Billing),Postcode (Billing),Country Code (Billing),Email (Billing)",
    "Phone (Billing),First Name (Shipping),Last Name (Shipping),Address 1&2 (Shipping)",
    "City (Shipping),State Code (Shipping),Postcode (Shipping),Country Code (Shipping)",
    "Payment Method Title,Cart Discount Amount,Order Subtotal Amount,Shipping Method Title",
    "Order Shipping Amount,Order Refund Amount,Order Total Amount,Order Total Tax Amount",
    "SKU,Item #,Item Name,Quantity (- Refund),Item Cost,Coupon Code,Discount Amount",
    "Discount Amount Tax",
)
# Stripe Dashboard > Payments > Export, the unified payments file (unified_payments.csv):
# "Created date (UTC)" (search "Created date (UTC)": several public importers require it
# next to id, Amount, Amount Refunded, Currency, Status, Fee, Statement Descriptor).
STRIPE_UNIFIED_HEADER = header(
    "id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount",
    "Converted Amount Refunded,Converted Currency,Decline Reason,Description,Fee",
    "Refunded date (UTC),Statement Descriptor,Status,Seller Message,Taxes On Fee,Card ID",
    "Customer ID,Customer Description,Customer Email,Invoice ID,Transfer,PaymentIntent ID",
    "Card Brand,Card Funding,Card Address Country,Card Issue Country",
)


def shopify_every_line() -> Fixture:
    """Shopify orders_export.csv of a shop in China: Email on every line (the order's other
    values on its first line only), times with +0800, every financial status."""
    rng = random.Random("custseg-shopify-every-line")
    spec = Spec("shopify", 40, 95, max_items=3, zh=False)
    customers = make_customers(rng, spec, lambda r, i, name, phone, email: email)
    orders = make_orders(rng, spec, customers, lambda r, i, t: f"#{2001 + i}")
    rows = []
    for o in orders:
        for n, row in enumerate(intl._shopify_rows(rng, o)):
            row["Email"] = o.customer.key
            for col in ("Paid at", "Created at", "Cancelled at"):
                if row.get(col):
                    row[col] = row[col][:19] + " +0800"
            if n == 0 and o.kind == "sale" and rng.random() < 0.1:
                row["Financial Status"] = "partially_paid"
            rows.append(row)
    data = csv_bytes(intl.SHOPIFY_HEADER, rows, eol="\n")
    return Fixture("shopify/orders_export_every_line.csv", data, truth(orders, set()))


def _woo_prefixed(status: str) -> str:
    return f"wc-{status}"


def woocommerce_wc_prefix() -> Fixture:
    """WooCommerce export (WebToffee columns) whose statuses keep the ``wc-`` prefix of the
    post status (wc-completed, wc-on-hold ...); guest checkouts have customer id 0."""
    rng = random.Random("custseg-woocommerce-wc")
    spec = Spec(
        "woocommerce",
        45,
        115,
        max_items=3,
        zh=False,
        guest_share=0.12,
        kinds=(("sale", 82), ("not_paid", 8), ("cancelled", 10)),
    )
    customers = make_customers(rng, spec, lambda r, i, *_: str(5 + i * 4 + r.randrange(4)))
    orders = make_orders(rng, spec, customers, lambda r, i, t: str(7300 + i * 3))
    for o in orders:
        o.customer.key = "0" if o.customer.guest else o.customer.key
    rows = []
    for o in orders:
        row = intl._woo_row(rng, o)
        row["status"] = _woo_prefixed(row["status"])
        rows.append(row)
    data = csv_bytes(intl.WOO_HEADER, rows, eol="\n")
    return Fixture("woocommerce/orders_wc_prefix.csv", data, truth(orders, {"0"}))


def _aoe_status(rng, o) -> str:
    if o.kind in ("sale", "partly"):
        return rng.choice(["Completed", "Completed", "Processing"])
    if o.kind == "not_paid":
        return rng.choice(["Pending payment", "On hold", "Failed"])
    return "Cancelled" if o.paid is None else "Refunded"


def _aoe_rows(rng, o) -> list[dict]:
    c = o.customer
    first, _, last = c.name.partition(" ")
    city, state, zipcode = c.city.split(", ")
    order = {
        "Order Number": o.oid,
        "Order Status": _aoe_status(rng, o),
        "Order Date": ts(o.created),
        "First Name (Billing)": first,
        "Last Name (Billing)": last,
        "Address 1&2 (Billing)": f"{rng.randrange(1, 999)} Oak Ave",
        "City (Billing)": city,
        "State Code (Billing)": state,
        "Postcode (Billing)": zipcode,
        "Country Code (Billing)": "US",
        "Email (Billing)": c.key,
        "Phone (Billing)": c.phone,
        "Payment Method Title": "Credit Card (Stripe)",
        "Cart Discount Amount": money(o.discount),
        "Order Subtotal Amount": money(o.goods),
        "Shipping Method Title": "Flat rate",
        "Order Shipping Amount": money(o.shipping),
        "Order Refund Amount": money(o.refunded),
        "Order Total Amount": money(o.amount),
        "Order Total Tax Amount": "0.00",
    }
    return [
        {
            **order,
            "SKU": i.sku,
            "Item #": str(n + 1),
            "Item Name": i.title,
            "Quantity (- Refund)": str(i.qty),
            "Item Cost": money(i.price),
            "Discount Amount": "0.00",
            "Discount Amount Tax": "0.00",
        }
        for n, i in enumerate(o.items)
    ]


def woocommerce_advanced() -> Fixture:
    """Advanced Order Export (default fields): one row per item, the order's values repeated
    on each, customers by billing e-mail, a partial refund in Order Refund Amount with status
    Completed; only the order date is written (paid orders are paid when placed)."""
    rng = random.Random("custseg-woocommerce-aoe")
    spec = Spec("woocommerce", 40, 100, max_items=3, zh=False)
    customers = make_customers(rng, spec, lambda r, i, name, phone, email: email)
    orders = make_orders(rng, spec, customers, lambda r, i, t: str(9100 + i))
    for o in orders:
        o.paid = o.created if o.paid else None
    rows = [row for o in orders for row in _aoe_rows(rng, o)]
    data = csv_bytes(AOE_HEADER, rows, eol="\n")
    return Fixture("woocommerce/advanced_export.csv", data, truth(orders, set()))


def stripe_unified() -> Fixture:
    """Stripe unified payments export: ``Created date (UTC)``, Paid / Refunded / Failed, partial
    refunds as Paid with Amount Refunded, Converted Amount beside Amount."""
    rng = random.Random("custseg-stripe-unified")
    spec = Spec("stripe", 45, 130, zh=False, guest_share=0.06)
    customers = make_customers(rng, spec, lambda r, *_: f"cus_{intl._token(r, 14)}")
    orders = make_orders(rng, spec, customers, lambda r, i, t: f"py_3{intl._token(r, 23)}")
    rows = []
    for o in orders:
        o.paid = o.created if o.paid else None
        row = intl._stripe_row(rng, o)
        row["Created date (UTC)"] = row.pop("Created (UTC)")
        for gone in set(row) - set(STRIPE_UNIFIED_HEADER):
            del row[gone]
        row["Decline Reason"] = "card_declined" if o.paid is None else ""
        row["Refunded date (UTC)"] = ts(o.created, "%Y-%m-%d %H:%M") if o.refunded else ""
        row["Taxes On Fee"] = "0.00"
        rows.append(row)
    data = csv_bytes(STRIPE_UNIFIED_HEADER, rows, eol="\n")
    return Fixture("stripe/unified_payments.csv", data, truth(orders, set()))


WRITERS = (
    shopify_every_line,
    woocommerce_wc_prefix,
    woocommerce_advanced,
    stripe_unified,
)
