"""The sandbox's seed data: one seller, four shops with about thirty returns each.

    data = seed.generate(now=int(clock.now()))
    data.shops[0].name                 # "Maple & Co" (the demo shop)
    data.returns[0].return_reason_text # "Item arrived damaged – the screen has ..."

Deterministic: every draw comes from ``random.Random`` seeded with a constant
and the shop id, so the same ids, products, amounts and reasons come out every
time. Only the timestamps move: they are offsets from ``now``, so a fresh seed
always has one request overdue, one due within the hour, more due within the
day and the rest due later (``new_request`` makes more, as a buyer would). Each shop gets the same mix of statuses (nine pending requests, four
packages back with the seller, the rest in progress or settled), spread over all
three return types.
"""

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .model import (
    AWAITING_BUYER_SHIP,
    BUYER_SHIPPED_ITEM,
    REFUND,
    REPLACEMENT,
    REQUEST_CANCEL,
    REQUEST_COMPLETE,
    REQUEST_PENDING,
    REQUEST_REJECT,
    REQUEST_SUCCESS,
    RETURN_AND_REFUND,
    RETURN_TYPES,
    Seller,
    Shop,
    decision_stage,
)

SEED = "tiktokshop-sandbox-returns-1"
DEMO_SHOP_ID = "7495610000000000001"
SHOPS = (
    Shop(DEMO_SHOP_ID, "Maple & Co", "US", "USD", "SANDBOX_US_CIPHER_0001"),
    Shop("7495610000000000002", "Thames Home Goods", "GB", "GBP", "SANDBOX_GB_CIPHER_0002"),
    Shop("7495610000000000003", "Lion City Gadgets", "SG", "SGD", "SANDBOX_SG_CIPHER_0003"),
    Shop("7495610000000000004", "Selangor Style", "MY", "MYR", "SANDBOX_MY_CIPHER_0004"),
)
# The sandbox's one seller: signed in on the authorize page, owner of every shop.
DEMO_SELLER = Seller("sbx-seller-7495610000", "Demo Seller", "US")

HOUR = 3600
DAY = 24 * HOUR
CENT = Decimal("0.01")

# (status, type) of each shop's returns. Statuses that wait for the seller come
# first so every type is represented among them.
STATUS_PLAN = (
    *[(REQUEST_PENDING, t) for t in (REFUND, RETURN_AND_REFUND, REPLACEMENT)] * 3,
    (BUYER_SHIPPED_ITEM, RETURN_AND_REFUND), (BUYER_SHIPPED_ITEM, REPLACEMENT),
    (BUYER_SHIPPED_ITEM, RETURN_AND_REFUND), (BUYER_SHIPPED_ITEM, RETURN_AND_REFUND),
    (AWAITING_BUYER_SHIP, RETURN_AND_REFUND), (AWAITING_BUYER_SHIP, REPLACEMENT),
    (AWAITING_BUYER_SHIP, RETURN_AND_REFUND),
    (REQUEST_SUCCESS, REFUND), (REQUEST_SUCCESS, RETURN_AND_REFUND),
    (REQUEST_SUCCESS, REFUND), (REQUEST_SUCCESS, REPLACEMENT),
    (REQUEST_SUCCESS, RETURN_AND_REFUND),
    (REQUEST_REJECT, REFUND), (REQUEST_REJECT, RETURN_AND_REFUND),
    (REQUEST_REJECT, REPLACEMENT),
    (REQUEST_CANCEL, REFUND), (REQUEST_CANCEL, RETURN_AND_REFUND),
    (REQUEST_COMPLETE, RETURN_AND_REFUND), (REQUEST_COMPLETE, REFUND),
    (REQUEST_COMPLETE, RETURN_AND_REFUND), (REQUEST_COMPLETE, REPLACEMENT),
)
# Hours left to answer each pending request: one overdue, one due within the
# hour, three more within the day, four later.
PENDING_HOURS_LEFT = (-3, 0.9, 5, 9, 20, 30, 46, 60, 88)
REQUEST_WINDOW = 4 * DAY  # time the seller has to answer a request


@dataclass(frozen=True)
class Product:
    name: str
    noun: str  # what the buyer calls it in their reason: "the {noun} ..."
    category: str
    usd_price: Decimal
    variants: tuple[tuple[str, str], ...]  # (sku_name, seller_sku)


def _product(name, noun, category, usd_price, *variants):
    return Product(name, noun, category, Decimal(usd_price), variants)


CATALOG = (
    _product("Aurora Wireless Earbuds Pro", "earbuds", "electronics", "59.99",
             ("Midnight Black", "AUR-EBP-BLK"), ("Pearl White", "AUR-EBP-WHT")),
    _product("Orbit 10,000 mAh Magnetic Power Bank", "power bank", "electronics", "36.99",
             ("Graphite", "ORB-PB10-GRA"), ("Lilac", "ORB-PB10-LIL")),
    _product("Pulse Smart Fitness Watch S2", "watch", "electronics", "129.00",
             ("Black / 41 mm", "PLS-S2-BLK41"), ("Rose / 38 mm", "PLS-S2-ROS38")),
    _product("Lumen LED Desk Lamp with USB-C Charging", "lamp", "electronics", "45.00",
             ("Matte Black", "LUM-DL-MBK"), ("Oak", "LUM-DL-OAK")),
    _product("Beam Mini Portable Projector 1080p", "projector", "electronics", "119.00",
             ("White", "BEA-MP-WHT"),),
    _product("Nimbus Memory Foam Pillow", "pillow", "home", "34.50",
             ("Standard", "NIM-MFP-STD"), ("King", "NIM-MFP-KNG")),
    _product("Hearth Weighted Blanket 7 kg", "blanket", "home", "89.00",
             ("Charcoal", "HRT-WB7-CHA"), ("Sage", "HRT-WB7-SAG")),
    _product("Trailblazer Insulated Water Bottle 1 L", "bottle", "kitchen", "27.99",
             ("Forest Green", "TRB-IWB1-FGR"), ("Slate", "TRB-IWB1-SLT")),
    _product("Ceramic Pour-Over Coffee Set", "coffee set", "kitchen", "39.99",
             ("Sand", "CER-POC-SND"), ("Charcoal", "CER-POC-CHA")),
    _product("Stainless Steel Cookware Set (8 pcs)", "cookware set", "kitchen", "149.99",
             ("Brushed Steel", "SSC-8PC-BRS"),),
    _product("Cloudstep Knit Running Shoes", "shoes", "apparel", "79.95",
             ("EU 42 / Grey", "CLD-KRS-GRY42"), ("EU 39 / Navy", "CLD-KRS-NVY39")),
    _product("Linen Blend Wrap Dress", "dress", "apparel", "48.00",
             ("S / Sage", "LIN-WD-SAG-S"), ("M / Terracotta", "LIN-WD-TER-M")),
    _product("Everyday Canvas Tote Bag", "bag", "apparel", "24.00",
             ("Natural", "EVD-CTB-NAT"), ("Black", "EVD-CTB-BLK")),
    _product("Glow Vitamin C Serum 30 ml", "serum", "beauty", "22.00",
             ("30 ml", "GLW-VCS-30"),),
    _product("Magnetic Building Tiles (60 pcs)", "tiles", "toys", "44.99",
             ("Rainbow", "MBT-60-RBW"),),
    _product("Clear MagSafe Phone Case for iPhone 15", "phone case", "electronics", "19.99",
             ("Clear", "CMP-IP15-CLR"), ("Frosted Blue", "CMP-IP15-FBL")),
)

# Local prices: a rough exchange rate and the usual price ending in each market.
PRICING = {
    "USD": (Decimal("1"), Decimal("0.01")),
    "GBP": (Decimal("0.8"), Decimal("0.01")),
    "SGD": (Decimal("1.35"), Decimal("0.10")),
    "MYR": (Decimal("4.6"), Decimal("0.10")),
}
SHIPPING_FEE = {"USD": "5.99", "GBP": "3.49", "SGD": "4.00", "MYR": "8.00"}
SALES_TAX = {"USD": Decimal("0.0825")}  # elsewhere VAT/GST is included in the price

# Buyers' reasons: key -> [(categories it fits, or None for any; text)].
REASONS = {
    "package_not_received": [
        (None, "Package never arrived – tracking has said 'in transit' for 9 days"),
        (None, "Tracking says delivered but there was nothing at my door or in the mailroom"),
        (None, "Courier marked it as left with a neighbour, but none of my neighbours has it"),
    ],
    "missing_item": [
        (None, "The parcel arrived without the {noun} – only the invoice was inside"),
        (None, "The box was sealed but the {noun} was not inside – only packing paper"),
    ],
    "damaged_item": [
        (("electronics",), "Item arrived damaged – the {noun} has a crack along the top edge"),
        (("electronics",), "The {noun} arrived with a cracked casing and a rattling part inside"),
        (("kitchen", "home"), "The {noun} arrived dented and the outer box was crushed"),
        (None, "Arrived damaged – there is a deep scratch across the front of the {noun}"),
        (("apparel",), "There is a tear along the seam and a stain on the front"),
    ],
    "wrong_item": [
        (None, "Received the wrong variant – I ordered {sku} but got a different one"),
        (None, "This is not the {noun} I ordered – it is a completely different model"),
    ],
    "defective": [
        (("electronics",), "The {noun} stopped charging after two days"),
        (("electronics",), "Does not turn on, even after charging it overnight"),
        (("electronics",), "Left side has no sound and the pairing keeps dropping"),
        (("apparel",), "The stitching came apart the first time I used it"),
        (("kitchen", "home", "toys"), "The {noun} fell apart within a week of normal use"),
        (("beauty",), "The pump is broken, nothing comes out of the bottle"),
    ],
    "not_as_described": [
        (None, "Much smaller than the photos suggest"),
        (None, "The colour is very different from the listing pictures"),
        (("kitchen",), "Listing says stainless steel but the {noun} is clearly plastic-coated"),
        (("beauty",), "Listing says fragrance free but the serum has a strong perfume smell"),
    ],
    "no_longer_needed": [
        (None, "Changed my mind – I bought the same {noun} in a shop"),
        (None, "Ordered by mistake, it is still unopened in the original packaging"),
    ],
    "size_fit": [
        (("apparel",), "Too small – I normally wear this size but it is tight everywhere"),
        (("apparel",), "Runs a full size large, I need the next size down"),
    ],
}
REASONS_BY_TYPE = {
    REFUND: ("package_not_received", "missing_item", "damaged_item", "wrong_item"),
    RETURN_AND_REFUND: ("damaged_item", "wrong_item", "defective", "not_as_described",
                        "no_longer_needed", "size_fit"),
    REPLACEMENT: ("damaged_item", "wrong_item", "defective", "size_fit", "missing_item"),
}
# Reasons the seller is at fault for: the buyer also gets the shipping fee back.
SELLER_FAULT = {"package_not_received", "missing_item", "damaged_item", "wrong_item",
                "defective", "not_as_described"}
REJECT_COMMENTS = (
    "",
    "The photos show the seal intact; happy to look again if you send a clearer picture.",
    "Tracking confirms delivery with a photo at the front door.",
    "We offered a partial refund instead, which the buyer accepted in chat.",
)


@dataclass(frozen=True)
class SeedLineItem:
    sku_id: str
    product_name: str
    sku_name: str
    seller_sku: str
    refund_total: str


@dataclass(frozen=True)
class SeedDecision:
    decided_status: str
    new_status: str
    decision: str
    reject_reason: str | None
    comment: str
    decided_at: int


@dataclass(frozen=True)
class SeedReturn:
    return_id: str
    shop_id: str
    order_id: str
    return_type: str
    return_status: str
    return_reason: str
    return_reason_text: str
    create_time: int
    update_time: int
    respond_by: int | None
    currency: str
    refund_subtotal: str
    refund_shipping_fee: str
    refund_tax: str
    refund_total: str
    line_items: tuple[SeedLineItem, ...]
    history: tuple[SeedDecision, ...]  # the seller's past decisions, oldest first


@dataclass(frozen=True)
class SeedData:
    shops: tuple[Shop, ...]
    returns: tuple[SeedReturn, ...]


def generate(now: int) -> SeedData:
    returns = []
    used_ids: set[str] = set()
    for shop in SHOPS:
        returns.extend(_ShopSeeder(shop, now, used_ids).returns())
    return SeedData(SHOPS, tuple(returns))


def new_request(shop: Shop, now: int, rng: random.Random, taken: set[str]) -> SeedReturn:
    """A return request a buyer makes at ``now``: pending, the whole window to answer.
    ``rng`` draws its content; ids in ``taken`` are not reused."""
    seeder = _ShopSeeder(shop, now, taken)  # the shop's SKU ids, as seeded
    seeder.rng = rng
    return seeder._return(REQUEST_PENDING, rng.choice(RETURN_TYPES), REQUEST_WINDOW / HOUR)


def _money(amount) -> str:
    """A decimal string with two places, the way TikTok's API writes amounts."""
    return str(Decimal(amount).quantize(CENT))


class _ShopSeeder:
    def __init__(self, shop: Shop, now: int, used_ids: set[str]):
        self.shop = shop
        self.now = now
        self.rng = random.Random(f"{SEED}:{shop.shop_id}")
        self.used_ids = used_ids  # shared by all shops: ids are unique across the sandbox
        self.sku_ids = {seller_sku: self._new_id("17")
                        for product in CATALOG for _, seller_sku in product.variants}

    def returns(self) -> list[SeedReturn]:
        pending_hours = list(PENDING_HOURS_LEFT)
        self.rng.shuffle(pending_hours)
        return [
            self._return(status, return_type,
                         pending_hours.pop() if status == REQUEST_PENDING else None)
            for status, return_type in STATUS_PLAN
        ]

    def _return(self, status: str, return_type: str, hours_left: float | None) -> SeedReturn:
        rng = self.rng
        product = rng.choice(CATALOG)
        sku_name, seller_sku = rng.choice(product.variants)
        reason, reason_text = self._reason(return_type, product, sku_name)
        lines = [(product, sku_name, seller_sku)]
        if reason != "missing_item" and rng.random() < 0.2:
            lines.append(lines[0])  # two of the same
        elif return_type != REPLACEMENT and rng.random() < 0.15:
            other = rng.choice([p for p in CATALOG if p is not product])
            lines.append((other, *rng.choice(other.variants)))
        items = tuple(
            SeedLineItem(self.sku_ids[sku], item.name, name, sku,
                         _money(0 if return_type == REPLACEMENT else self._price(item)))
            for item, name, sku in lines
        )
        subtotal = sum((Decimal(i.refund_total) for i in items), Decimal(0))
        shipping = Decimal(0)
        if return_type != REPLACEMENT and reason in SELLER_FAULT and rng.random() < 0.6:
            shipping = Decimal(SHIPPING_FEE[self.shop.currency])
        tax = (subtotal * SALES_TAX.get(self.shop.currency, 0)).quantize(CENT, ROUND_HALF_UP)
        create_time, update_time, respond_by, history = self._timeline(
            status, return_type, hours_left
        )
        return SeedReturn(
            return_id=self._new_id("40"),
            shop_id=self.shop.shop_id,
            order_id=self._new_id("57"),
            return_type=return_type,
            return_status=status,
            return_reason=reason,
            return_reason_text=reason_text,
            create_time=create_time,
            update_time=update_time,
            respond_by=respond_by,
            currency=self.shop.currency,
            refund_subtotal=_money(subtotal),
            refund_shipping_fee=_money(shipping),
            refund_tax=_money(tax),
            refund_total=_money(subtotal + shipping + tax),
            line_items=items,
            history=history,
        )

    def _timeline(self, status, return_type, hours_left):
        """(create_time, update_time, respond_by, history) for a return in ``status``."""
        rng, now = self.rng, self.now
        if status == REQUEST_PENDING:
            respond_by = now + int(hours_left * HOUR)
            created = respond_by - REQUEST_WINDOW
            return created, created, respond_by, ()
        if status == REQUEST_CANCEL:
            created = now - rng.randint(3 * DAY, 20 * DAY)
            return created, created + rng.randint(HOUR, 30 * HOUR), None, ()
        created = now - rng.randint(8 * DAY, 25 * DAY)
        request_stage = decision_stage(return_type, REQUEST_PENDING)
        request_decided = created + rng.randint(2 * HOUR, 30 * HOUR)
        if status == REQUEST_REJECT:
            rejected = self._decision(request_stage, REQUEST_PENDING, reject=True,
                                      at=request_decided)
            return created, request_decided, None, (rejected,)
        approved = self._decision(request_stage, REQUEST_PENDING, reject=False,
                                  at=request_decided)
        if status == AWAITING_BUYER_SHIP:
            return created, request_decided, None, (approved,)
        if status == BUYER_SHIPPED_ITEM:
            shipped = request_decided + rng.randint(DAY, 5 * DAY)
            respond_by = now + rng.randint(6 * HOUR, 5 * DAY)
            return created, shipped, respond_by, (approved,)
        # Settled: refunds end with the first decision; returns and replacements
        # end when the seller accepts the package that came back.
        if return_type == REFUND:
            history = (approved,)
        else:
            received = request_decided + rng.randint(3 * DAY, 6 * DAY)
            history = (approved, self._decision(
                decision_stage(return_type, BUYER_SHIPPED_ITEM), BUYER_SHIPPED_ITEM,
                reject=False, at=received,
            ))
        settled = history[-1].decided_at
        if status == REQUEST_COMPLETE:
            settled += rng.randint(HOUR, DAY)
        return created, settled, None, history

    def _decision(self, stage, decided_status, *, reject: bool, at: int) -> SeedDecision:
        if reject:
            reason = self.rng.choice(stage.reject_reasons).name
            return SeedDecision(decided_status, stage.status_after(stage.reject), stage.reject,
                                reason, self.rng.choice(REJECT_COMMENTS), at)
        return SeedDecision(decided_status, stage.status_after(stage.approve), stage.approve,
                            None, "", at)

    def _reason(self, return_type: str, product: Product, sku_name: str) -> tuple[str, str]:
        candidates = [
            (key, text)
            for key in REASONS_BY_TYPE[return_type]
            for categories, text in REASONS[key]
            if (categories is None or product.category in categories)
            # "I ordered <variant> but got another" needs a product with variants.
            and ("{sku}" not in text or len(product.variants) > 1)
        ]
        key, text = self.rng.choice(candidates)
        return key, text.format(noun=product.noun, sku=sku_name)

    def _price(self, product: Product) -> Decimal:
        rate, ending = PRICING[self.shop.currency]
        return (product.usd_price * rate).quantize(Decimal(1), ROUND_HALF_UP) - ending

    def _new_id(self, prefix: str) -> str:
        """A fresh 19-digit id like TikTok's, e.g. 4035...(returns), 57...(orders)."""
        while True:
            candidate = prefix + str(self.rng.randrange(10**16, 10**17))
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate
