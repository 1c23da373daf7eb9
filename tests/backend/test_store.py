"""The token store: tokens encrypted at rest, readable only with the key, intact after a
process is killed in the middle of writing (SIGKILL)."""

import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from cryptography.fernet import Fernet

from tiktokshop_backend import SellerTokens, Shop, StoreUnreadable, TokenCipher, TokenStore

KEY = Fernet.generate_key().decode()
SELLER = SellerTokens("open-1", "Demo Seller", "US", "ACCESS-abc123", 100, "REFRESH-xyz789", 200)
SHOPS = [Shop("7495610000000000001", "Maple & Co", "US", "CIPHER_1"),
         Shop("7495610000000000002", "Thames Home Goods", "GB", "CIPHER_2")]


def test_a_seller_and_shops_come_back_as_stored(tmp_path):
    store = TokenStore(tmp_path / "b.sqlite3", TokenCipher(KEY))
    store.save_seller(SELLER, SHOPS)
    assert store.seller("open-1") == SELLER
    assert store.shops("open-1") == SHOPS
    assert store.seller("nobody") is None


def test_many_sellers_are_saved_in_one_go(tmp_path):
    store = TokenStore(tmp_path / "b.sqlite3", TokenCipher(KEY))
    other = SellerTokens("open-2", "Other", "GB", "ACCESS-2", 100, "REFRESH-2", 200)
    store.save_sellers([(SELLER, SHOPS[:1]), (other, SHOPS[1:])])
    assert store.sellers() == ["open-1", "open-2"]
    assert store.seller("open-2") == other and store.shops("open-2") == SHOPS[1:]


def test_sellers_expiring_are_those_a_refresh_can_help_soonest_first(tmp_path):
    store = TokenStore(tmp_path / "b.sqlite3", TokenCipher(KEY))
    for open_id, access_expire_at, refresh_expire_at in [("later", 500, 900), ("soon", 150, 900),
                                                         ("soonest", 120, 900), ("lapsed", 90, 99)]:
        store.save_seller(SellerTokens(open_id, "S", "US", "A", access_expire_at, "R",
                                       refresh_expire_at))
    assert store.sellers_expiring(before=150, now=100) == ["soonest", "soon"]
    assert store.sellers_expiring(before=1000, now=100) == ["soonest", "soon", "later"]
    store.ping()


def test_tokens_are_not_in_the_file_in_the_clear(tmp_path):
    path = tmp_path / "b.sqlite3"
    TokenStore(path, TokenCipher(KEY)).save_seller(SELLER, SHOPS)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"ACCESS-abc123" not in raw and b"REFRESH-xyz789" not in raw
    assert b"Maple & Co" in raw  # what is not secret is stored as is
    assert path.stat().st_mode & 0o077 == 0


def test_repr_never_shows_the_tokens():
    assert "ACCESS" not in repr(SELLER) and "REFRESH" not in repr(SELLER)


def test_another_key_cannot_read_the_tokens_and_says_so(tmp_path):
    path = tmp_path / "b.sqlite3"
    TokenStore(path, TokenCipher(KEY)).save_seller(SELLER)
    with pytest.raises(StoreUnreadable, match="TIKTOKSHOP_ENCRYPTION_KEY"):
        TokenStore(path, TokenCipher(Fernet.generate_key().decode())).seller("open-1")


def test_a_rotated_key_still_reads_what_the_old_one_wrote(tmp_path):
    path = tmp_path / "b.sqlite3"
    TokenStore(path, TokenCipher(KEY)).save_seller(SELLER)
    rotated = TokenStore(path, TokenCipher(Fernet.generate_key().decode() + "," + KEY))
    assert rotated.seller("open-1") == SELLER


WRITER = textwrap.dedent("""
    import sys
    from tiktokshop_backend import SellerTokens, Shop, TokenCipher, TokenStore
    store = TokenStore(sys.argv[1], TokenCipher(sys.argv[2]))
    n = 0
    while True:
        n += 1
        seller = SellerTokens("open-%d" % (n % 7), "Seller %d" % n, "US", "access-%d" % n, n,
                              "refresh-%d" % n, n)
        store.save_seller(seller, [Shop(str(7495610000000000000 + n), "Shop %d" % n, "US",
                                        "C%d" % n)])
        if n == 50:
            print("writing", flush=True)
""")


def test_a_store_killed_while_writing_is_intact_after_restart(tmp_path):
    path = tmp_path / "b.sqlite3"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), KEY],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"  # well into its writes, then killed
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = TokenStore(path, TokenCipher(KEY))
    sellers = [store.seller(open_id) for open_id in store.sellers()]
    assert len(sellers) == 7
    for seller in sellers:  # every row whole: its tokens decrypt and match its number
        n = seller.access_expire_at
        assert (seller.name, seller.access_token, seller.refresh_token) == (
            f"Seller {n}", f"access-{n}", f"refresh-{n}")
        (shop,) = store.shops(seller.open_id)
        assert shop.name == f"Shop {n}"
