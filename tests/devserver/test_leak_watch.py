"""The leak watch (testsupport/leaks.py) sees each kind of leak, and a leak fails the run.

The watch itself is checked at the end of every test session by tests/conftest.py,
whichever tests ran (``-k``, ``-x``, one file alone): here, that a finding
turns a green run red.
"""

from pathlib import Path

from testsupport.leaks import LeakWatch
from tiktokshop_sandbox import DEMO_SELLER, SANDBOX_APP_KEY, SANDBOX_APP_SECRET, SandboxSettings
from tiktokshop_sandbox import create_app as create_sandbox

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ROOT_CONFTEST = PROJECT_ROOT / "tests" / "conftest.py"

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


def test_the_watch_knows_the_app_secret_and_every_credential_the_sandbox_issued(tmp_path):
    """Codes and tokens are random, made during the run: the watch finds them by asking
    the sandbox's database, as it does for every serve.py's at the end of the run."""
    data_dir = tmp_path / "data"
    auths = create_sandbox(SandboxSettings(data_dir=data_dir)).state.authorizations
    code = auths.grant(DEMO_SELLER.open_id, ["7495610000000000001"])
    issued = auths.exchange_code(auths.grant(DEMO_SELLER.open_id, ["7495610000000000001"]))
    never_issued = "x" * 43
    log = tmp_path / "server.log"
    log.write_text(
        f'INFO: "GET /auth/tiktok/callback?code={code}&state=s HTTP/1.1" 302\n'
        f'INFO: "GET /sandbox/auth/api/v2/token/refresh?app_key={SANDBOX_APP_KEY}'
        f'&app_secret={SANDBOX_APP_SECRET}&refresh_token={issued.refresh_token}" 200\n'
        f"DEBUG: x-tts-access-token: {issued.access_token}\n"
        f"INFO: code={never_issued} access_token=*** {DEMO_SELLER.open_id}\n")
    watch = LeakWatch()
    watch.watch_log(log, data_dir)

    watch.check_logs()

    assert [finding.split(" ", 1)[1] for finding in watch.findings] == [
        "logs an OAuth code TikTok issued", "logs a signing secret",
        "logs a refresh token TikTok issued", "logs an access token TikTok issued"]


def test_a_leak_fails_a_run_whose_tests_all_pass(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))  # testsupport, for the inner runs
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    pytester.makepyfile(test_leaky=f"""
        from testsupport.leaks import WATCH

        def test_a_server_replied():
            WATCH.check_response("http://x/index.html", "text/html", "", "<p>{TOKEN}</p>", [])
    """, test_clean="def test_nothing_to_see():\n    pass\n")

    leaky = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    clean = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_clean.py")

    leaky.assert_outcomes(passed=2)
    assert leaky.ret == 1
    leaky.stdout.fnmatch_lines(["*leak watch: * 1 text responses*LEAKS FOUND*",
                                "*/index.html (text/html) served a widget token*"])
    assert clean.ret == 0 and "leak watch" not in clean.stdout.str()
