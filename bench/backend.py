#!/usr/bin/env python3
"""Benchmark the ISV backend at scale: who-am-I and widget tokens for thousands of sellers.

    ./dev bench --backend                             # 10 and 10,000 sellers, each database
    .venv/bin/python bench/backend.py --sizes 10,1000 --databases sqlite --requests 500

For each database (``--databases``: a SQLite file, and PostgreSQL: a fresh
database of testsupport's throwaway cluster, which runs without fsync) and each size (``--sizes``, default 10, the baseline, and 10,000),
it fills a fresh store with that many sellers of 2 shops each, starts a real
``python -m tiktokshop_backend`` on it (one uvicorn worker, the default
settings but rate limits the benchmark's single client IP would hit, and
``TIKTOKSHOP_METRICS=1``), and drives it with httpx from this process,
``--concurrency`` (50) requests in flight, each for a seller drawn at random
(its signed session cookie, as the OAuth callback would have set it):

- who-am-I, ``GET /api/v1/seller``: the store alone (after an unrecorded warm-up);
- widget token, cold cache: ``GET /api/v1/widget/access_token`` for shops not asked
  for before (each one a signed call to TikTok's side, the sandbox);
- widget token, warm cache: the same for shops asked for in the cold phase.

TikTok's side is the sandbox (bench/sandbox_server.py, a process of its own).
It knows one seller and four shops: one seller of the store connects through
OAuth; the others are copies of it under ids of their own, with shops of their
own ids carrying that seller's two shop ciphers. So the backend's store, session
lookups and widget-token cache are at full size, and TikTok's side does the
same work for each.

Printed: per phase, requests, failures, throughput, p50 and p99; the backend
process's resident memory when it started and after the phases; the cache hits
and misses each widget-token phase had (from the process's /metrics: "warm"
is checked, not assumed); and the targets, met or missed: p99 <= 100 ms with a
warm cache (who-am-I and widget tokens), and at the largest size no more than
1.5x the baseline's p99. ``--out`` (bench/backend-results.json) keeps it all.
A failed request (any status but 200, or no answer) is counted, not timed;
any failure makes the exit status 1 and shows in the last line,
``failures=<n>``. Progress goes to stderr.
"""

import argparse
import asyncio
import inspect
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from base64 import b64encode
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, fields
from http.cookiejar import CookieJar, DefaultCookiePolicy
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import itsdangerous
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from testsupport.servers import _running, run_backend, run_postgres  # noqa: E402
from tiktokshop_backend import (  # noqa: E402
    COOKIE_NAME,
    ENVIRONMENT_NAMES,
    BackendServices,
    BackendSettings,
    SellerTokens,
    Shop,
    TokenStore,
)
from tiktokshop_sandbox import (  # noqa: E402
    AUTH_MOUNT,
    AUTHORIZE_PATH,
    OPEN_API_MOUNT,
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    SANDBOX_SERVICE_ID,
    SHOPS,
    WIDGET_TOKEN_PATH,
)
from tiktokshop_widgets.backend import SELLER_PATH, TOKEN_PATH  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
DATABASES = ("sqlite", "postgresql")
SIZES = (10, 10_000)
SHOPS_PER_SELLER = 2
REQUESTS = 2000
CONCURRENCY = 50
WARMUP_REQUESTS = 100
P99_LIMIT_MS = 100
SCALE_FACTOR = 1.5
# Phases held to the targets: served without TikTok (a warm cache, or none needed).
WARM_PHASES = ("whoami", "widget_warm")
PHASES = {"whoami": "who-am-I", "widget_cold": "widget token, cold cache",
          "widget_warm": "widget token, warm cache"}
SANDBOX = "/sandbox"
SANDBOX_SERVING = re.compile(r"Serving the sandbox at (http://\S+?)/ ")
# The benchmark is one client IP with thousands of sessions: limits that it does not hit.
NO_LIMIT = "1000000/minute"
FIRST_SYNTHETIC_SHOP = 9_000_000_000_000_000_000


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> dict:
        ok = sorted(self.latencies_ms)
        return {"requests": len(ok) + sum(self.failures.values()), "ok": len(ok),
                "failures": dict(self.failures), "seconds": round(self.seconds, 3),
                "per_second": round(len(ok) / self.seconds, 1) if self.seconds else None,
                "p50_ms": _percentile(ok, 50), "p99_ms": _percentile(ok, 99)}


def _percentile(sorted_values: list[float], pct: int) -> float | None:
    """Nearest rank: the value below which pct% of the requests fall."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return round(sorted_values[rank - 1], 1)


async def drive(client: httpx.AsyncClient, requests: list[tuple[str, dict, dict]],
                concurrency: int) -> Phase:
    """Send every GET (path, params, headers) with ``concurrency`` in flight; time each 200."""
    phase = Phase()
    pending = iter(requests)

    async def worker():
        for path, params, headers in pending:  # one iterator: each request sent once
            started = time.perf_counter()
            try:
                response = await client.get(path, params=params, headers=headers)
                outcome = response.status_code
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            if outcome == 200:
                phase.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                phase.failures[str(outcome)] = phase.failures.get(str(outcome), 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.seconds = time.perf_counter() - started
    return phase


@dataclass
class Store:
    """The sellers a store was filled with: open_ids and their shop ids, in order."""
    sellers: list[str]
    shops: dict[str, list[str]]


async def _maybe(result):
    """The store's methods, whether they are plain calls or coroutines."""
    return await result if inspect.isawaitable(result) else result


async def fill_store(settings: BackendSettings, sandbox_url: str, size: int) -> Store:
    """One seller connected through OAuth on the sandbox, then ``size - 1`` copies."""
    async with httpx.AsyncClient(timeout=30) as http:
        reply = await http.post(f"{sandbox_url}{SANDBOX}/control/authorize",
                                json={"shop_ids": [shop.shop_id for shop in SHOPS[:2]],
                                      "state": "bench"})
        reply.raise_for_status()
        code = httpx.URL(reply.json()["redirect_url"]).params["code"]
    services = BackendServices.create(settings)
    try:
        open_id = (await services.authorization.connect(code)).open_id
        real = await _maybe(services.store.seller(open_id))
        real_shops = await _maybe(services.store.shops(open_id))
        copies = []
        for index in range(1, size):
            seller = SellerTokens(f"bench-seller-{index:05d}", f"Bench Seller {index}", "US",
                                  real.access_token, real.access_expire_at, real.refresh_token,
                                  real.refresh_expire_at)
            shops = [Shop(str(FIRST_SYNTHETIC_SHOP + SHOPS_PER_SELLER * index + n),
                          f"Bench Shop {index}-{n}", shop.region, shop.cipher)
                     for n, shop in enumerate(real_shops[:SHOPS_PER_SELLER])]
            copies.append((seller, shops))
        await _maybe(services.store.save_sellers(copies))
    finally:
        await services.aclose()
    store = Store([open_id], {open_id: [shop.id for shop in real_shops]})
    for seller, shops in copies:
        store.sellers.append(seller.open_id)
        store.shops[seller.open_id] = [shop.id for shop in shops]
    return store


def session_cookies(secret: str, store: Store) -> dict[str, dict]:
    """Each seller's Cookie header, the session the OAuth callback sets (Starlette's
    SessionMiddleware: base64 JSON, signed with itsdangerous)."""
    signer = itsdangerous.TimestampSigner(secret)
    return {open_id: {"cookie": COOKIE_NAME + "=" + signer.sign(b64encode(json.dumps(
        {"sid": f"bench-{n}", "open_id": open_id}).encode())).decode()}
        for n, open_id in enumerate(store.sellers)}


def cookieless_client(url: str, concurrency: int) -> httpx.AsyncClient:
    """A client that keeps no cookie: each request carries its own seller's."""
    return httpx.AsyncClient(
        base_url=url, timeout=30,
        cookies=httpx.Cookies(CookieJar(DefaultCookiePolicy(allowed_domains=[]))),
        limits=httpx.Limits(max_connections=concurrency,
                            max_keepalive_connections=concurrency))


def environ(settings: BackendSettings) -> dict[str, str]:
    """The settings as the variables ``python -m tiktokshop_backend`` reads."""
    variables = {}
    for spec, variable in zip(fields(settings), ENVIRONMENT_NAMES, strict=True):
        value = getattr(settings, spec.name)
        if value is not None:
            variables[variable] = ",".join(value) if isinstance(value, tuple) else str(value)
    return variables


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


def cache_lookups(metrics_text: str) -> dict[str, float]:
    found = {"hit": 0.0, "miss": 0.0}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "tiktokshop_backend_widget_token_cache_total":
                found[sample.labels["result"]] = sample.value
    return found


async def run_size(database: str, size: int, args, sandbox_url: str, workdir: Path,
                   database_settings: dict) -> dict:
    settings = BackendSettings(
        app_key=SANDBOX_APP_KEY, app_secret=SANDBOX_APP_SECRET, service_id=SANDBOX_SERVICE_ID,
        redirect_url="http://127.0.0.1/auth/tiktok/callback",
        encryption_key=Fernet.generate_key().decode(),
        session_secret="bench-session-secret-" + os.urandom(16).hex(),
        widget_token_path=WIDGET_TOKEN_PATH,
        open_api_base=sandbox_url + SANDBOX + OPEN_API_MOUNT,
        auth_base=sandbox_url + SANDBOX + AUTH_MOUNT,
        authorize_url=sandbox_url + SANDBOX + AUTHORIZE_PATH,
        token_limit_per_session=NO_LIMIT, token_limit_per_ip=NO_LIMIT, metrics=True,
        **database_settings)
    filling = time.perf_counter()
    store = await fill_store(settings, sandbox_url, size)
    fill_s = time.perf_counter() - filling
    progress(f"{database}, {size} sellers: store filled in {fill_s:.1f} s")
    cookies = session_cookies(settings.session_secret, store)
    rng = random.Random(f"{database}-{size}")
    pairs = [(open_id, shop) for open_id in store.sellers for shop in store.shops[open_id]]
    cold = rng.sample(pairs, min(args.requests, len(pairs)))

    def whoami(count):
        return [(SELLER_PATH, {}, cookies[rng.choice(store.sellers)]) for _ in range(count)]

    def tokens(chosen):
        return [(TOKEN_PATH, {"outer_shop_id": shop, "partner_type": "1"}, cookies[open_id])
                for open_id, shop in chosen]

    result = {"database": database, "sellers": size, "shops": len(pairs),
              "fill_seconds": round(fill_s, 1), "phases": {}}
    with run_backend(workdir / "process", environ(settings)) as backend:
        result["rss_start_mb"] = resident_mb(backend.process.pid)
        async with cookieless_client(backend.url, args.concurrency) as client:
            await drive(client, whoami(WARMUP_REQUESTS), args.concurrency)
            plan = {"whoami": whoami(args.requests), "widget_cold": tokens(cold),
                    "widget_warm": tokens(rng.choices(cold, k=args.requests))}
            for name, requests in plan.items():
                before = cache_lookups((await client.get("/metrics")).text)
                phase = (await drive(client, requests, args.concurrency)).summary()
                after = cache_lookups((await client.get("/metrics")).text)
                if name != "whoami":
                    phase["cache"] = {k: int(after[k] - before[k]) for k in after}
                result["phases"][name] = phase
                progress(f"{database}, {size} sellers, {PHASES[name]}: "
                         f"{phase['per_second']}/s, p99 {phase['p99_ms']} ms, "
                         f"failures {sum(phase['failures'].values())}")
        result["rss_end_mb"] = resident_mb(backend.process.pid)
    return result


@contextmanager
def fresh_databases(workdir: Path):
    """``fresh(kind, folder)``: the settings of a new, empty database of that kind. The
    PostgreSQL cluster (testsupport's throwaway one) starts at the first call, and
    stops with the context."""
    with ExitStack() as stack:
        postgres = None

        def fresh(name: str, folder: Path) -> dict:
            nonlocal postgres
            if name == "sqlite":
                return {"db_path": folder / "backend.sqlite3"}
            if postgres is None:
                postgres = stack.enter_context(run_postgres(workdir / "postgres"))
            url = postgres.create_database()
            TokenStore(url, cipher=None).migrate()  # python -m tiktokshop_backend migrate
            return {"database_url": url}

        yield fresh


@contextmanager
def sandbox(workdir: Path):
    log_path = workdir / "sandbox.log"
    command = [sys.executable, str(BENCH_DIR / "sandbox_server.py"), str(workdir / "sandbox")]
    with _running(command, log_path, SANDBOX_SERVING, 30) as (_process, url):
        yield url


def targets(results: list[dict]) -> list[dict]:
    """Each target, met (True), missed (False) or not measured (None)."""
    found = []
    by_key = {(r["database"], r["sellers"]): r for r in results}
    for result in results:
        for name in WARM_PHASES:
            p99 = result["phases"].get(name, {}).get("p99_ms")
            found.append({"target": f"{result['database']} {result['sellers']} sellers "
                          f"{PHASES[name]}: p99 <= {P99_LIMIT_MS} ms",
                          "value_ms": p99, "met": None if p99 is None else p99 <= P99_LIMIT_MS})
    for database in sorted({r["database"] for r in results}):
        sizes = sorted(size for db, size in by_key if db == database)
        if len(sizes) < 2:
            continue
        small, large = by_key[(database, sizes[0])], by_key[(database, sizes[-1])]
        for name in WARM_PHASES:
            base, big = small["phases"][name]["p99_ms"], large["phases"][name]["p99_ms"]
            ratio = round(big / base, 2) if base and big else None
            found.append({"target": f"{database} {PHASES[name]}: p99 at {sizes[-1]} sellers "
                          f"<= {SCALE_FACTOR}x at {sizes[0]}",
                          "ratio": ratio, "met": None if ratio is None else ratio <= SCALE_FACTOR})
    return found


def report(results: list[dict], errors: list[str], found_targets: list[dict]) -> str:
    lines = []
    header = f"{'database':<10} {'sellers':>7}  {'phase':<25} {'req':>5} {'fail':>4} " \
             f"{'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}  cache hit/miss"
    lines.append(header)
    for result in results:
        for name, phase in result["phases"].items():
            cache = phase.get("cache")
            lines.append(
                f"{result['database']:<10} {result['sellers']:>7}  {PHASES[name]:<25} "
                f"{phase['requests']:>5} {sum(phase['failures'].values()):>4} "
                f"{_num(phase['per_second']):>7} {_num(phase['p50_ms']):>7} "
                f"{_num(phase['p99_ms']):>7}  "
                f"{'' if cache is None else str(cache['hit']) + '/' + str(cache['miss'])}")
    lines.append("")
    for result in results:
        lines.append(f"{result['database']}, {result['sellers']} sellers: memory "
                     f"{result['rss_start_mb']} MB at start, {result['rss_end_mb']} MB after; "
                     f"store filled in {result['fill_seconds']} s")
    for result in results:
        for name, phase in result["phases"].items():
            if phase["failures"]:
                lines.append(f"FAILED requests, {result['database']} {result['sellers']} "
                             f"{PHASES[name]}: {phase['failures']}")
    for error in errors:
        lines.append(f"FAILED: {error}")
    lines.append("")
    lines.append("Targets:")
    for target in found_targets:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[target["met"]]
        figure = (f"{target['value_ms']} ms" if "value_ms" in target
                  else f"{target['ratio']}x")
        lines.append(f"  {target['target']}: {figure} -- {verdict}")
    return "\n".join(lines)


def last_line(results: list[dict], errors: list[str], found_targets: list[dict]) -> str:
    pairs = []
    for result in results:
        for name, phase in result["phases"].items():
            key = f"{result['database']}_{result['sellers']}_{name}"
            pairs += [f"{key}_p99_ms={_num(phase['p99_ms'])}",
                      f"{key}_per_s={_num(phase['per_second'])}"]
    failures = sum(sum(p["failures"].values()) for r in results for p in r["phases"].values())
    met = [t["met"] for t in found_targets]
    pairs += [f"targets_met={met.count(True)}/{len(met)}",
              f"failures={failures + len(errors)}"]
    return " ".join(pairs)


def _num(value) -> str:
    return "-" if value is None else f"{value:g}"


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="bench/backend.py",
        description="The ISV backend at scale: who-am-I and widget-token requests for many "
        "sellers against a real python -m tiktokshop_backend and the sandbox.")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="sellers in the store, comma-separated; the first is the "
                        "baseline (default: %(default)s)")
    parser.add_argument("--databases", default=",".join(DATABASES),
                        help=f"comma-separated subset of: {', '.join(DATABASES)} "
                        "(default: %(default)s)")
    parser.add_argument("--requests", type=int, default=REQUESTS,
                        help="requests per phase (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY,
                        help="requests in flight (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "backend-results.json",
                        help="the results file (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        parser.error(f"--sizes: whole numbers, comma-separated, not {args.sizes!r}")
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = sorted(set(args.databases) - set(DATABASES))
    if unknown or not args.databases:
        parser.error(f"--databases: unknown {', '.join(unknown) or '(none given)'}; "
                     f"known: {', '.join(DATABASES)}")
    if not args.sizes or min(args.sizes) < 1 or args.requests < 1 or args.concurrency < 1:
        parser.error("--sizes, --requests and --concurrency must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    results, errors = [], []
    started = datetime.now(UTC)
    load_average = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="bench-backend-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        sandbox_url = stack.enter_context(sandbox(workdir))
        fresh = stack.enter_context(fresh_databases(workdir))
        for name in args.databases:
            for size in args.sizes:
                rundir = workdir / f"{name}-{size}"
                rundir.mkdir()
                try:
                    results.append(asyncio.run(run_size(name, size, args, sandbox_url,
                                                        rundir, fresh(name, rundir))))
                except Exception as exc:  # reported as failed; the others still run
                    errors.append(f"{name}, {size} sellers: {type(exc).__name__}: {exc}")
                    progress(f"FAILED {errors[-1]}")
    load_average.append(os.getloadavg()[0])
    found = targets(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "started": started.isoformat(timespec="seconds"), "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average_start_end": load_average},
        "concurrency": args.concurrency, "requests_per_phase": args.requests,
        "results": results, "errors": errors, "targets": found}, indent=2) + "\n")
    print(report(results, errors, found))
    print(f"(load average {load_average[0]:.1f} at the start, {load_average[1]:.1f} at the end; "
          f"{os.cpu_count()} CPUs; results in {args.out})")
    print(last_line(results, errors, found))
    failed = errors or any(p["failures"] for r in results for p in r["phases"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
