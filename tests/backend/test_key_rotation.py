"""Rotating the encryption key as the README says, while the backend serves: a new key
first and the old one after it, ``python -m tiktokshop_backend rotate-keys``, then the
old key dropped, and the seller is served throughout."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from cryptography.fernet import Fernet

from tiktokshop_widgets.backend import SELLER_PATH, TOKEN_PATH

from .conftest import ENCRYPTION_KEY, US_SHOP, connect

NEW_KEY = Fernet.generate_key().decode()


def test_keys_rotate_while_the_backend_serves(make_backend, tiktok, database):
    before = make_backend()  # the seller's tokens are written under ENCRYPTION_KEY
    connect(before, tiktok)
    # Restarted with the new key first (and no rate limit in the way of the asking below).
    both = make_backend(encryption_key=f"{NEW_KEY},{ENCRYPTION_KEY}",
                        token_limit_per_session="100000/minute",
                        token_limit_per_ip="100000/minute")
    both.cookies = before.cookies
    environ = {**os.environ, "TIKTOKSHOP_ENCRYPTION_KEY": f"{NEW_KEY},{ENCRYPTION_KEY}",
               "TIKTOKSHOP_DATABASE_URL": database.get("database_url", ""),
               "TIKTOKSHOP_DB_PATH": str(database.get("db_path", ""))}

    with ThreadPoolExecutor(1) as pool:
        rotation = pool.submit(subprocess.run, [sys.executable, "-m", "tiktokshop_backend",
                                                "rotate-keys"],
                               capture_output=True, text=True, env=environ)
        served = []
        while True:  # the seller asks all along, until rotate-keys is done
            served.append(both.get(SELLER_PATH).status_code)
            if rotation.done():
                break
        done = rotation.result()

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "Re-encrypted the tokens of 1 seller(s) under the first key of "
        "TIKTOKSHOP_ENCRYPTION_KEY; 0 already were.")
    assert set(served) == {200}
    after = make_backend(encryption_key=NEW_KEY)  # the old key dropped
    after.cookies = before.cookies
    assert after.get(SELLER_PATH).status_code == 200
    assert after.get(TOKEN_PATH, params={"outer_shop_id": US_SHOP,
                                         "partner_type": "1"}).status_code == 200
