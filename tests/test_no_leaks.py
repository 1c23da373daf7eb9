"""No signing secret, widget token or session cookie leaked anywhere in the run.

The last test of the run (tests/conftest.py sorts this file there) reads what the
leak watch (tests/leaks.py) saw during every other test: the replies of the
in-process apps, and of the session server to the browser; and now every log
line of every serve.py the run started.
"""

import pytest

from .leaks import WATCH, LeakWatch

TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzaG9wX2lkIjoiMSJ9.c2lnbmF0dXJl"
SECRET = "0123456789abcdef" * 8


def test_the_watch_sees_each_kind_of_leak(tmp_path):
    log = tmp_path / "server.log"
    log.write_text(f'INFO: "GET /?t={TOKEN} HTTP/1.1" 200\nsecret is {SECRET}\n'
                   "cookie seller_session=eyJzaWQiOiAiYWJjIn0=.aw3fww.sig\nINFO: all is well\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "token-secret").write_text(SECRET)
    watch = LeakWatch()
    watch.watch_log(log, tmp_path / "data")

    watch.check_logs()
    watch.check_response("http://x/api/v1/widget/access_token", "application/json", "",
                         f'{{"token": "{TOKEN}"}}', [SECRET])
    watch.check_response("http://x/index.html", "text/html", "", f"<p>{TOKEN}</p>", [SECRET])
    watch.check_response("http://x/app.js", "application/javascript", "", SECRET, [SECRET])
    watch.check_response("http://x/cdn/npm/big.js", "application/javascript", "", SECRET, [SECRET])

    assert [finding.split(" ", 1)[1] for finding in watch.findings] == [
        "logs a widget token", "logs a signing secret", "logs a session cookie",
        "(text/html) served a widget token", "(application/javascript) served a signing secret",
    ]
    assert (watch.log_lines_checked, watch.responses_checked, watch.token_replies_seen) == (4, 3, 1)


def test_no_secret_or_token_leaked_into_logs_or_responses(capsys):
    WATCH.check_logs()
    if not WATCH.logs and not WATCH.responses_checked:
        pytest.skip("no other test ran a server or an app in this run")

    with capsys.disabled():
        print(f"\nleak watch: {WATCH.log_lines_checked} log lines of {len(WATCH.logs)} "
              f"serve.py runs, {WATCH.responses_checked} text responses "
              f"({WATCH.token_replies_seen} of them token replies)")
    assert WATCH.findings == []
