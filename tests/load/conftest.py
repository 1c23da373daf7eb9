"""A serve.py for the load tests, with rate limits no load test reaches."""

import pytest

from testsupport.servers import run_server

UNLIMITED = "1000000/minute"


@pytest.fixture(scope="module")
def loaded_server(tmp_path_factory):
    with run_server(tmp_path_factory.mktemp("load"), "--cdn", "live", "--reset",
                    "--token-limit-per-session", UNLIMITED,
                    "--token-limit-per-ip", UNLIMITED) as server:
        yield server
