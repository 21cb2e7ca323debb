"""Fixture writers for Shopify, WooCommerce and Stripe exports, and the two generic variants
(decimal commas in a ``;`` file; Excel-mangled order ids). See fixture_cn_market.py."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from fixture_io import Fixture, csv_bytes, header, money, ts
from fixture_model import Spec, make_customers, make_orders, truth

SHOPIFY_HEADER = header(
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at",
    "Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code",
    "Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name",
    "Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping",
    "Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street",
    "Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip",
    "Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street",
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip",
    "Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at",
    "Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee",
    "Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name",
    "Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value",
    "Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name",
    "Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At",
    "Payment References",
)
WOO_HEADER = header(
    "order_id,order_number,order_date,paid_date,status,shipping_total,shipping_tax_total",
    "fee_total,fee_tax_total,tax_total,cart_discount,order_discount,discount_total",
    "order_total,order_subtotal,order_currency,payment_method,payment_method_title",
    "transaction_id,customer_ip_address,customer_user_agent,shipping_method,customer_id",
    "customer_user,customer_email,billing_first_name,billing_last_name,billing_company",
    "billing_email,billing_phone,billing_address_1,billing_address_2,billing_postcode",
    "billing_city,billing_state,billing_country,shipping_first_name,shipping_last_name",
    "shipping_company,shipping_phone,shipping_address_1,shipping_address_2",
    "shipping_postcode,shipping_city,shipping_state,shipping_country,customer_note",
    "wt_import_key,shipping_items,fee_items,tax_items,coupon_items,refund_items",
    "order_notes,download_permissions,meta:wpml_language,line_item_1,line_item_2",
    "line_item_3",
)
STRIPE_HEADER = header(
    "id,Description,Seller Message,Created (UTC),Amount,Amount Refunded,Currency",
    "Converted Amount,Converted Amount Refunded,Fee,Tax,Converted Currency,Mode,Status",
    "Statement Descriptor,Customer ID,Customer Description,Customer Email,Captured",
    "Card ID,Card Last4,Card Brand,Card Funding,Card Exp Month,Card Exp Year,Card Name",
    "Card Address Line1,Card Address Line2,Card Address City,Card Address State",
    "Card Address Country,Card Address Zip,Card Issue Country,Card Fingerprint",
    "Card CVC Status,Card AVS Zip Status,Card AVS Line1 Status,Card Tokenization Method",
    "Disputed Amount,Dispute Status,Dispute Reason,Dispute Date (UTC)",
    "Dispute Evidence Due (UTC),Invoice ID,Payment Source Type,Destination,Transfer",
    "Transfer Group,PaymentIntent ID",
)
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DST_2024 = datetime(2024, 3, 10, 2, 0)


def _token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(B62) for _ in range(n))


def _shopify_time(t: datetime | None) -> str:
    """The shop's wall-clock time with its UTC offset (America/New_York)."""
    return "" if t is None else ts(t) + (" -0400" if t >= DST_2024 else " -0500")


def _shopify_status(rng, o) -> str:
    if o.kind == "sale":
        return "paid"
    if o.kind == "partly":
        return "partially_refunded"
    if o.kind == "not_paid":
        return rng.choice(["pending", "pending", "authorized", "expired"])
    return "voided" if o.paid is None else "refunded"


def _shopify_order_values(rng, o) -> dict:
    """The order's own columns, which Shopify writes on its first line only."""
    c, status = o.customer, _shopify_status(rng, o)
    city, state, zipcode = c.city.split(", ")
    address = {
        "Street": f"{rng.randrange(1, 999)} Main St",
        "City": city,
        "Zip": zipcode,
        "Province": state,
        "Country": "US",
        "Name": c.name,
    }
    return {
        "Email": c.key,
        "Financial Status": status,
        "Paid at": _shopify_time(o.paid),
        "Fulfillment Status": "fulfilled" if o.paid else "unfulfilled",
        "Accepts Marketing": "no",
        "Currency": "USD",
        "Subtotal": money(o.goods - o.discount),
        "Shipping": money(o.shipping),
        "Taxes": "0.00",
        "Total": money(o.amount),
        "Discount Code": "WELCOME10" if o.discount else "",
        "Discount Amount": money(o.discount),
        "Shipping Method": "Standard",
        "Created at": _shopify_time(o.created),
        **{f"Billing {k}": v for k, v in address.items()},
        **{f"Shipping {k}": v for k, v in address.items()},
        "Billing Address1": address["Street"],
        "Shipping Address1": address["Street"],
        "Billing Phone": c.phone,
        "Cancelled at": _shopify_time(o.created + timedelta(hours=5))
        if o.kind == "cancelled"
        else "",
        "Payment Method": "Shopify Payments",
        "Payment Reference": f"c{rng.randrange(10**10, 10**11)}.1",
        "Refunded Amount": money(o.refunded),
        "Outstanding Balance": "0.00",
        "Id": str(5600000000000 + int(o.oid[1:])),
        "Risk Level": "Low",
        "Source": "web",
        "Billing Province Name": state,
        "Shipping Province Name": state,
    }


def _shopify_rows(rng, o) -> list[dict]:
    first = _shopify_order_values(rng, o)
    rows = []
    for n, item in enumerate(o.items):
        line = {
            "Name": o.oid,
            "Lineitem quantity": str(item.qty),
            "Lineitem name": item.title,
            "Lineitem price": money(item.price),
            "Lineitem sku": item.sku,
            "Lineitem requires shipping": "true",
            "Lineitem taxable": "true",
            "Lineitem fulfillment status": "fulfilled" if o.paid else "pending",
            "Vendor": "Harbor Goods",
            "Lineitem discount": "0.00",
        }
        rows.append({**first, **line} if n == 0 else line)
    return rows


def shopify() -> Fixture:
    """Shopify orders_export.csv: one row per line item; Total, Financial Status, Paid at,
    Refunded Amount (and Email, Created at) on the order's first line only; times with offsets."""
    rng = random.Random("custseg-shopify")
    spec = Spec("shopify", 42, 100, max_items=3, zh=False)
    customers = make_customers(rng, spec, lambda r, i, name, phone, email: email)
    orders = make_orders(rng, spec, customers, lambda r, i, t: f"#{1001 + i}")
    rows = [row for o in orders for row in _shopify_rows(rng, o)]
    return Fixture(
        "shopify/orders_export.csv", csv_bytes(SHOPIFY_HEADER, rows, eol="\n"), truth(orders, set())
    )


def _woo_status(rng, o) -> str:
    if o.kind == "sale":
        return rng.choice(["completed", "completed", "completed", "processing"])
    if o.kind == "not_paid":
        return rng.choice(["pending", "on-hold", "failed", "checkout-draft"])
    return "cancelled" if o.paid is None else "refunded"


def _woo_row(rng, o) -> dict:
    c = o.customer
    first, _, last = (c.name or "Guest Buyer").partition(" ")
    email = c.email or f"guest{rng.randrange(100, 999)}@example.net"
    row = {
        "order_id": o.oid,
        "order_number": o.oid,
        "order_date": ts(o.created),
        "paid_date": ts(o.paid),
        "status": _woo_status(rng, o),
        "shipping_total": money(o.shipping),
        "shipping_tax_total": "0.00",
        "fee_total": "0.00",
        "fee_tax_total": "0.00",
        "tax_total": "0.00",
        "cart_discount": money(o.discount),
        "order_discount": "0.00",
        "discount_total": money(o.discount),
        "order_total": money(o.amount),
        "order_subtotal": money(o.goods),
        "order_currency": "EUR",
        "payment_method": "stripe",
        "payment_method_title": "Credit card",
        "transaction_id": f"pi_{_token(rng, 24)}" if o.paid else "",
        "customer_ip_address": f"203.0.113.{rng.randrange(1, 254)}",
        "customer_user_agent": "Mozilla/5.0",
        "shipping_method": "Flat rate",
        "customer_id": c.key,
        "customer_user": c.key,
        "customer_email": email,
        "billing_first_name": first,
        "billing_last_name": last,
        "billing_email": email,
        "billing_country": "DE",
        "shipping_first_name": first,
        "shipping_last_name": last,
        "shipping_country": "DE",
        "refund_items": f"amount:{money(o.refunded)}|reason:Order cancelled" if o.refunded else "",
    }
    for n, i in enumerate(o.items):
        row[f"line_item_{n + 1}"] = (
            f"name:{i.title}|product_id:{i.sku[4:]}|sku:{i.sku}|quantity:{i.qty}|total:{money(i.total)}"
            f"|sub_total:{money(i.total)}"
        )
    return row


def woocommerce() -> Fixture:
    """WooCommerce order export (WebToffee layout): one row per order, items in line_item_N,
    guest checkouts with customer_id 0 (a placeholder, not a customer)."""
    rng = random.Random("custseg-woocommerce")
    spec = Spec(
        "woocommerce",
        50,
        125,
        max_items=3,
        zh=False,
        guest_share=0.15,
        kinds=(("sale", 82), ("not_paid", 8), ("cancelled", 10)),
    )
    customers = make_customers(rng, spec, lambda r, i, *_: str(2 + i * 3 + r.randrange(3)))
    orders = make_orders(rng, spec, customers, lambda r, i, t: str(4100 + i * 2))
    for o in orders:
        o.customer.key = "0" if o.customer.guest else o.customer.key
    rows = [_woo_row(rng, o) for o in orders]
    return Fixture(
        "woocommerce/orders.csv", csv_bytes(WOO_HEADER, rows, eol="\n"), truth(orders, {"0"})
    )


def _stripe_row(rng, o) -> dict:
    c = o.customer
    status = {"sale": "Paid", "partly": "Paid", "not_paid": "Failed"}.get(o.kind)
    status = status or ("Failed" if o.paid is None else "Refunded")
    fee = (
        (o.amount * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"))
        if o.paid
        else Decimal(0)
    )
    return {
        "id": o.oid,
        "Description": ", ".join(i.title for i in o.items),
        "Seller Message": "Payment complete." if o.paid else "Your card was declined.",
        "Created (UTC)": ts(o.created, "%Y-%m-%d %H:%M"),
        "Amount": money(o.amount),
        "Amount Refunded": money(o.refunded),
        "Currency": "usd",
        "Converted Amount": money(o.amount),
        "Converted Amount Refunded": money(o.refunded),
        "Fee": money(fee),
        "Tax": "0.00",
        "Converted Currency": "usd",
        "Mode": "Live",
        "Status": status,
        "Customer ID": c.key,
        "Customer Description": c.name,
        "Customer Email": c.email,
        "Captured": "true" if o.paid else "false",
        "Card ID": f"card_{_token(rng, 24)}",
        "Card Last4": str(rng.randrange(1000, 9999)),
        "Card Brand": "Visa",
        "Card Funding": "credit",
        "Card Exp Month": str(rng.randrange(1, 13)),
        "Card Exp Year": "2027",
        "Card Address Country": "US",
        "Card Issue Country": "US",
        "Card Fingerprint": _token(rng, 16),
        "Card CVC Status": "pass",
        "Payment Source Type": "card",
        "PaymentIntent ID": f"pi_{_token(rng, 24)}",
    }


def stripe() -> Fixture:
    """Stripe payments export: one row per charge, UTC creation time only, partial refunds as
    Status Paid with Amount Refunded; guest payments have no Customer ID."""
    rng = random.Random("custseg-stripe")
    spec = Spec("stripe", 50, 150, zh=False, guest_share=0.08)
    customers = make_customers(rng, spec, lambda r, *_: f"cus_{_token(r, 14)}")
    orders = make_orders(rng, spec, customers, lambda r, i, t: f"ch_3{_token(r, 23)}")
    for o in orders:
        o.paid = o.created if o.paid else None  # Stripe writes one time: the charge's creation
    rows = [_stripe_row(rng, o) for o in orders]
    return Fixture(
        "stripe/payments.csv", csv_bytes(STRIPE_HEADER, rows, eol="\n"), truth(orders, set())
    )


def _decimal_comma(value: Decimal, n: int) -> str:
    whole, cents = f"{value:.2f}".split(".")
    groups = [whole[max(i - 3, 0) : i] for i in range(len(whole), 0, -3)][::-1]
    return (" " if n % 2 else ".").join(groups) + "," + cents


def generic_decimal_comma() -> Fixture:
    """A ``;``-separated export with decimal commas: 1.058,00 / 1 234,50 / 36,90."""
    rng = random.Random("custseg-generic-decimal")
    spec = Spec("generic", 40, 100, zh=False, kinds=(("sale", 1),))
    customers = make_customers(rng, spec, lambda r, i, *_: f"K-{1001 + i}")
    orders = make_orders(rng, spec, customers, lambda r, i, t: f"B-{20001 + i}")
    for n, o in enumerate(orders[::9]):
        o.items[0].qty = 12 + n  # a few orders over 1 000
    header = ["order_id", "customer_id", "order_date", "product", "amount"]
    rows = [
        {
            "order_id": o.oid,
            "customer_id": o.customer.key,
            "order_date": ts(o.paid, "%Y-%m-%d %H:%M"),
            "product": o.items[0].title,
            "amount": _decimal_comma(o.amount, n),
        }
        for n, o in enumerate(orders)
    ]
    data = csv_bytes(header, rows, delimiter=";", eol="\n")
    return Fixture("generic/decimal_comma.csv", data, truth(orders, set()))


def generic_excel_mangled() -> Fixture:
    """Line items whose order id Excel turned into 3.51235E+18 on every row: only customer and
    order time tell the orders apart. Times carry a +08:00 offset (wall-clock is what counts)."""
    rng = random.Random("custseg-generic-excel")
    spec = Spec("generic", 45, 120, max_items=3, kinds=(("sale", 1),))
    customers = make_customers(rng, spec, lambda r, i, *_: f"C{3001 + i}")
    orders = make_orders(rng, spec, customers, lambda r, i, t: str(3512350000000000000 + i))
    header = ["order_id", "customer_id", "order_date", "product", "quantity", "amount"]
    rows = []
    for o in orders:
        o.shipping = o.discount = Decimal(0)  # item amounts add up to the order's amount
        when = ts(o.paid, "%Y-%m-%dT%H:%M:%S") + "+08:00"
        rows += [
            {
                "order_id": "3.51235E+18",
                "customer_id": o.customer.key,
                "order_date": when,
                "product": i.title,
                "quantity": str(i.qty),
                "amount": money(i.total),
            }
            for i in o.items
        ]
    return Fixture(
        "generic/excel_mangled.csv", csv_bytes(header, rows, eol="\n"), truth(orders, set())
    )
