"""The signed-in seller and their TikTok shops, as the ISV backend knows them.

    account = SellerAccount(Backend(config.backend_url))
    seller = await account.load()     # SellerNotConnected: send them to error.connect_url
    shop = seller.current_shop        # Shop("7495610000000000001", "Maple & Co", "US")
    kit = WidgetKit(config.for_shop(shop.id, shop.region))
    seller = await account.switch("7495610000000000002")   # the backend remembers it
    seller.reconnect_by               # "2026-01-24T00:00:00Z": the connection ends then; or None

A seller may have authorized several shops; the backend keeps which one is
current. A seller who never connected TikTok Shop, or whose connection has
lapsed, is ``SellerNotConnected`` with the URL that starts TikTok's
authorization: a page shows "Connect your TikTok Shop", not an error. A
connection that ends within days (TikTok's refresh token expires) has its end
in ``reconnect_by``, an ISO 8601 UTC date-time: the page can ask the seller to
reconnect (``connect_url``) before then, while everything still works.
"""

from .backend import CURRENT_SHOP_PATH, SELLER_PATH, SERVICE
from .errors import BackendError, SellerNotConnected


class Shop:
    """A TikTok shop the seller connected: ``id`` (digits), ``name``, ``region`` (a
    country code such as "US")."""

    def __init__(self, id, name, region):
        self.id = id
        self.name = name
        self.region = region

    def __eq__(self, other):
        return isinstance(other, Shop) and (self.id, self.name, self.region) == (
            other.id, other.name, other.region)

    def __repr__(self):
        return "Shop(%r, %r, %r)" % (self.id, self.name, self.region)


class Seller:
    """The seller as the backend knows them: ``name``, ``shops`` (``Shop`` list),
    ``current_shop_id``, ``connect_url`` (where to connect another shop, or
    reconnect) and ``reconnect_by`` (when their connection ends, if within days:
    an ISO 8601 UTC date-time; else None)."""

    def __init__(self, name, shops, current_shop_id, connect_url, reconnect_by=None):
        self.name = name
        self.shops = shops
        self.current_shop_id = current_shop_id
        self.connect_url = connect_url  # to connect another shop, or reconnect
        self.reconnect_by = reconnect_by  # when the connection ends, if soon: "...T...Z"

    @property
    def current_shop(self):
        """The ``Shop`` the seller works on now (the first if the backend named none of theirs)."""
        for shop in self.shops:
            if shop.id == self.current_shop_id:
                return shop
        return self.shops[0]


class SellerAccount:
    """The seller's shops from ``backend`` (a ``Backend``): ``load`` who they are,
    ``switch`` shops. A seller with no shop connected is ``SellerNotConnected``."""

    def __init__(self, backend):
        self.backend = backend

    async def load(self):
        """The seller and their shops; ``SellerNotConnected`` if there are none yet."""
        return await self._seller(self.backend.get(SELLER_PATH))

    async def switch(self, shop_id):
        """Make ``shop_id`` the seller's current shop; the seller as it is then."""
        return await self._seller(self.backend.post(CURRENT_SHOP_PATH, {"shop_id": shop_id}))

    async def _seller(self, request):
        try:
            reply = await request
        except BackendError as error:
            if error.connect_url is not None:
                raise SellerNotConnected(
                    error.kind, "Connect your TikTok Shop again to manage its returns here."
                    if error.reconnect else "Connect your TikTok Shop to manage its returns here.",
                    error.status, error.code, error.backend_message, error.data,
                    connect_url=error.connect_url, reconnect=error.reconnect)
            raise
        return seller_of(reply.get("data"), self.backend)


def seller_of(data, backend):
    """A ``Seller`` out of the reply's ``data``, checked."""
    def refuse(what):
        raise BackendError("field", SERVICE + "'s description of the seller " + what + ".")

    if not isinstance(data, dict):
        refuse("is missing")
    shops = []
    for item in data.get("shops") if isinstance(data.get("shops"), list) else ():
        if not isinstance(item, dict) or not all(
                isinstance(item.get(key), str) and item.get(key) for key in ("id", "name", "region")):
            refuse("has a shop without id, name and region")
        shops.append(Shop(item["id"], item["name"], item["region"]))
    if not shops:
        refuse("lists no shop")
    current = data.get("current_shop_id")
    if current not in [shop.id for shop in shops]:
        refuse("names a current shop that is not one of its shops")
    seller = data.get("seller")
    name = seller.get("name") if isinstance(seller, dict) else None
    connect_url = data.get("connect_url")
    reconnect_by = data.get("reconnect_by")
    # Advice, not a condition of the page working: a value that is no date-time is ignored.
    return Seller(name if isinstance(name, str) else "", shops, current,
                  backend.resolve(connect_url) if isinstance(connect_url, str) else None,
                  reconnect_by if is_utc_date_time(reconnect_by) else None)


def is_utc_date_time(value):
    """``2026-01-24T00:00:00Z`` (fractions of a second allowed), as the backend writes it."""
    if not isinstance(value, str) or len(value) < 20 or not value.endswith("Z"):
        return False
    digits = value[:4] + value[5:7] + value[8:10] + value[11:13] + value[14:16] + value[17:19]
    fraction = value[19:-1]
    return (all(char in "0123456789" for char in digits)
            and (value[4], value[7], value[10], value[13], value[16]) == ("-", "-", "T", ":", ":")
            and (fraction == "" or fraction[0] == "." and len(fraction) > 1
                 and all(char in "0123456789" for char in fraction[1:])))
