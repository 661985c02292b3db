"""Load benchmark of the site's pages on the production stack, against a bare Django view.

Builds 10,000 articles and 200 webinars (``bench/news.py``'s ``build``; one webinar moved
a month ahead, with 100 seats and its registration form) in a throwaway PostgreSQL
database ``bench_web_<pid>``, runs ``collectstatic``, then starts two gunicorns with the
same configuration (``gunicorn --config gunicorn.conf.py cgmsite.wsgi``, the worker count
gunicorn.conf.py chooses unless ``--workers``): the site with
``cgmsite.settings.production``, and the reference, the same settings and middleware with
one view returning a constant and the page cache off (``bench/bare_settings.py``). Redis
database 6 is the cache (emptied at the start). Then wrk (``bench/wrk_report.lua``)
measures the bare view, every page cached (page cache warmed by one request) and uncached
(``Cookie: sessionid=bench``, which the page cache passes through), each page uncached at
one connection too, and the bare view again, so that noise shows.

Through the front too: the committed nginx and Varnish (``cgmsite.front_proxy``, as
``make serve-prod`` runs them) in front of the site's gunicorn, every page a Varnish hit
("front"), and the ceiling of this machine for it: the same nginx serving a static file of
the very same bytes (the page's HTML saved under ``STATIC_ROOT``, with its ``.gz``). Both
with ``Accept-Encoding: gzip``, as browsers send; cached pages are reported as a share of
that ceiling as well as of the bare Django view.

SQL queries per request are counted in this process: the page requested once through
Django's test client, same settings, same database and same Redis, inside
``CaptureQueriesContext``, each after a warming request (the cached figure after one that
fills the page cache, the uncached one after one that fills this process's fragments).

    make bench-web
    make bench-web BENCH_ARGS="--posts 2000 --webinars 40 --duration 5s --markdown"
    make bench-web BENCH_ARGS="--keepdb"  # build once into bench_web_keep, reuse it next time
    make bench-web BENCH_ARGS="--keepdb --only article --only category"

It exits 1 on errors (a page not answering 200, non-2xx answers or socket errors under
load, error lines in the servers' logs), not on missed targets: those it prints.
"""

import argparse
import gzip
import html
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import (
    POSTGRES,
    ROOT,
    ThrowawayDatabase,
    collectstatic,
    flush_redis,
    gunicorn_config,
    install_signal_handlers,
    load,
    log_findings,
    print_header,
    production_env,
    start_gunicorn,
    start_stack_companions,
    tear_down,
)
from cgmsite.front_proxy import Front, missing_binaries

LUA = ROOT / "bench" / "wrk_report.lua"
BYPASS = "sessionid=bench"  # a session cookie: the page cache passes the request through
GZIP = "Accept-Encoding: gzip"  # through the front, as browsers ask
CEILING = "bench-ceiling"  # under STATIC_ROOT: the pages' bytes as static files
TARGET_P50_MS = 50


def find_wrk() -> str:
    found = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if not found:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian package).")
    return found


def run_wrk(
    wrk: str, url: str, *, threads: int, connections: int, duration: str, timeout: str, cookie="",
    headers=(),
) -> dict:  # fmt: skip
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}", f"--timeout={timeout}"]
    command += ["-s", str(LUA)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    for header in headers:
        command += ["-H", header]
    answer = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    )
    line = next(
        (line for line in answer.stdout.splitlines() if line.startswith("WRK_REPORT ")), None
    )
    if line is None:
        raise SystemExit(f"wrk printed no report:\n{answer.stdout}\n{answer.stderr}")
    report = json.loads(line.removeprefix("WRK_REPORT "))
    seconds = report["duration_us"] / 1e6
    requests = report["requests"]
    return {
        "rps": requests / seconds if seconds else 0.0,
        "p50": report["p50_us"] / 1000,
        "p99": report["p99_us"] / 1000,
        "non2xx": report["non2xx"],
        "errors": sum(
            report[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
        "kb": report["bytes"] / requests / 1024 if requests else 0.0,
        "requests": requests,
    }


def fetch(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    """One GET: its status and its ``X-Page-Cache`` header ("" without one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Host": f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get("X-Page-Cache", "")
    finally:
        connection.close()


def fetch_body(port: int, path: str) -> bytes:
    """The page's bytes as an anonymous reader gets them, uncompressed."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as answer:
        return answer.read()


def front_header(port: int, path: str) -> str:
    """``X-Front-Cache`` of one GET through the front (hit, miss, pass)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        response.read()
        return response.headers.get("X-Front-Cache", "")
    finally:
        connection.close()


def sitemap_part(port: int) -> str | None:
    """The path of the first sitemap /sitemap.xml points at, if it is a sitemap index."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/sitemap.xml", timeout=120) as answer:
        text = answer.read().decode()
    if "<sitemapindex" not in text:
        return None
    found = re.search(r"<loc>([^<]+)</loc>", text)
    if not found:
        return None
    url = urlsplit(html.unescape(found.group(1)))
    return url.path + (f"?{url.query}" if url.query else "")


def count_queries(client, path: str) -> tuple[int | str, int | str]:
    """SQL queries of one request, cached (after a warming one) and uncached, or the
    status code when the answer was not a 200 (and "miss" when the cached one was not
    served from the page cache)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The bypass request's answer deletes the session cookie, which the test client
    # keeps and sends again as "sessionid=": every later request would pass through.
    client.cookies.clear()
    client.get(path)
    with CaptureQueriesContext(connection) as cached:
        response = client.get(path)
    cached_count = len(cached)
    if response.status_code != 200:
        cached_count = f"HTTP {response.status_code}"
    elif response.headers.get("X-Page-Cache") != "hit":
        cached_count = f"{cached_count} (miss)"
    # A worker that has served the page before: its own fragments are warm (production
    # keeps them in each process's memory), as they are for the figures under load.
    client.get(path, HTTP_COOKIE=BYPASS)
    with CaptureQueriesContext(connection) as uncached:
        response = client.get(path, HTTP_COOKIE=BYPASS)
    client.cookies.clear()
    uncached_count = len(uncached)
    if response.status_code != 200:
        uncached_count = f"HTTP {response.status_code}"
    return cached_count, uncached_count


def build_site(args):
    """The newsroom of ``bench/news.py``: ``--posts`` articles, ``--webinars`` webinars."""
    from django.core.management import call_command
    from django.utils import timezone

    from bench import news
    from events.models import WebinarPage
    from news.models import ArticlePage

    call_command("migrate", verbosity=0)
    total = args.posts + args.webinars
    built = news.reuse(total) if args.keepdb else None
    if built is None:
        # build() makes post i a webinar when i % WEBINAR_EVERY == 0.
        news.WEBINAR_EVERY = max(1, total // args.webinars)
        print(f"Building {total} posts…", flush=True)
        built = news.build(total)
    else:
        print(f"Reusing the {total} posts of {os.environ['DATABASE_URL']}", flush=True)
    category, article, webinar = built
    # Every built webinar is in the past: one moves a month ahead, so that its page shows
    # the registration form (the page a sign-up announcement sends everyone to).
    start = (timezone.now() + timedelta(days=30)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    WebinarPage.objects.filter(pk=webinar.pk).update(
        start=start, end=start + timedelta(minutes=90), capacity=100, members_only=True
    )
    counts = (ArticlePage.objects.count(), WebinarPage.objects.count())
    print(f"{counts[0]} articles, {counts[1]} webinars", flush=True)
    return category, article, WebinarPage.objects.get(pk=webinar.pk), counts


def common_word() -> str:
    """The most frequent word of six letters or more in the posts' vocabulary."""
    from bench import news

    return next(word for word, _n in Counter(news.WORDS).most_common() if len(word) >= 6)


def warm(port: int, path: str, workers: int) -> None:
    """Each worker renders the page once uncached (first-request costs are not measured)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda _n: fetch(port, path, BYPASS), range(2 * workers)))


def measure(
    args, wrk: str, port: int, path: str, *, cookie: str = "", one: bool = False, headers=()
):
    url = f"http://127.0.0.1:{port}{path}"
    if one:
        return run_wrk(
            wrk, url, threads=1, connections=1, duration=args.duration,
            timeout=args.timeout, cookie=cookie, headers=headers,
        )  # fmt: skip
    return run_wrk(
        wrk, url, threads=args.threads, connections=args.connections, duration=args.duration,
        timeout=args.timeout, cookie=cookie, headers=headers,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", "--articles", dest="posts", type=int, default=10_000)
    parser.add_argument("--webinars", type=int, default=200)
    parser.add_argument("--workers", type=int, help="default: what gunicorn.conf.py chooses")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (default 16)")
    parser.add_argument("--duration", default="10s", help="wrk -d (default 10s)")
    parser.add_argument("--timeout", default="30s", help="wrk --timeout (default 30s)")
    parser.add_argument(
        "--port", type=int, default=8720,
        help="site; +1 bare view, +2 SMTP, +3 the front (nginx), +4 Varnish",
    )  # fmt: skip
    parser.add_argument(
        "--no-front",
        action="store_true",
        help="leave out the front (nginx, Varnish) and its ceiling",
    )
    parser.add_argument(
        "--gunicorn-alone",
        action="store_true",
        help="leave out the e-mail and Teams workers and the periodic jobs that run beside "
        "gunicorn on the real stack",
    )
    parser.add_argument("--postgres", default=POSTGRES, help=f"server (default {POSTGRES})")
    parser.add_argument("--search-word", help="default: the vocabulary's most common word")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument(
        "--keepdb",
        action="store_true",
        help="keep the database (bench_web_keep) and reuse it when it holds as many posts",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="LABEL",
        help="measure only the pages whose label starts with LABEL (repeatable)",
    )
    args = parser.parse_args()
    if args.webinars < 1:
        parser.error("--webinars must be at least 1")

    print_header(sys.argv)
    install_signal_handlers()
    wrk = find_wrk()
    if not args.no_front and (missing := missing_binaries()):
        raise SystemExit(
            f"Not installed: {', '.join(missing)} (apt-get install nginx varnish), "
            "or --no-front to measure gunicorn alone."
        )
    name = "bench_web_keep" if args.keepdb else f"bench_web_{os.getpid()}"
    database = ThrowawayDatabase(name, args.postgres, keep=args.keepdb)
    workdir = Path(tempfile.mkdtemp(prefix="bench_web_"))
    servers = []
    errors = []
    try:
        database.create()
        print(f"Database: {database.name}", flush=True)
        env = production_env(
            database_url=database.url,
            port=args.port,
            email_port=args.port + 2,  # nothing listens: no page sends mail
            media_root=str(workdir / "media"),
        )
        os.environ.update(env)
        # Before Django is set up here: the test client that counts queries reads the
        # static files' manifest once, when it first renders a page.
        collectstatic(env)
        flush_redis()
        category, article, webinar, counts = build_site(args)
        config = gunicorn_config(env)
        workers = args.workers or int(config["workers"])
        flush_redis()
        front = None
        site_env = env
        if not args.no_front:
            front = Front(
                workdir / "front", port=args.port + 3, backend_port=args.port,
                varnish_port=args.port + 4, media_root=workdir / "media",
            )  # fmt: skip
            # The site purges Varnish (as in production), and says so in s-maxage; this
            # process, which builds the posts before Varnish runs, does not.
            site_env = {**env, "FRONTEND_CACHE_VARNISH_URL": front.purge_url}
        site = start_gunicorn("site", site_env, args.port, workers, workdir / "site.log")
        servers.append(site)
        if not args.gunicorn_alone:
            # The stack as it runs (bin/serve-prod): its workers and jobs share the CPU.
            servers += start_stack_companions(site_env, workdir)
        if front is not None:
            front.start()
            servers.append(front)
            print(f"front: nginx on {front.port}, Varnish on {front.varnish_port}", flush=True)
        bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}
        bare = start_gunicorn(
            "bare view", bare_env, args.port + 1, workers, workdir / "bare.log", probe="/"
        )
        servers.append(bare)
        word = args.search_word or common_word()
        pages = [
            ("home", "/"),
            ("news index", "/notizie/"),
            ("category page", f"/notizie/categoria/{category.slug}/"),
            ("category page 50", f"/notizie/categoria/{category.slug}/?page=50"),
            ("article", article.url),
            ("webinar (form)", webinar.url),
            (f"search '{word}'", f"/cerca/?q={word}"),
            ("feed", "/notizie/feed/"),
            ("webinars .ics", "/webinar/calendario.ics"),
            ("sitemap.xml", "/sitemap.xml"),
        ]
        first_part = sitemap_part(args.port)
        if first_part:
            pages.append(("sitemap page 1", first_part))
        if args.only:
            pages = [page for page in pages if page[0].startswith(tuple(args.only))]
        rows = run(args, wrk, site, bare, pages, workers, front)
        errors = report(args, rows, workers, config, counts, site, bare)
    finally:
        shutil.rmtree(ROOT / "staticfiles" / CEILING, ignore_errors=True)
        tear_down(servers, database, workdir)
    if errors:
        raise SystemExit("Errors (not target misses):\n  " + "\n  ".join(errors))


def write_ceiling(port: int, path: str, number: int) -> str:
    """The page's bytes as a static file (and its .gz, as collectstatic writes them):
    the same answer nginx can give with no Varnish and no gunicorn behind it."""
    folder = ROOT / "staticfiles" / CEILING
    folder.mkdir(parents=True, exist_ok=True)
    body = fetch_body(port, path)
    name = f"{number}.html"
    (folder / name).write_bytes(body)
    (folder / f"{name}.gz").write_bytes(gzip.compress(body, compresslevel=6))
    return f"/static/{CEILING}/{name}"


def run(args, wrk, site, bare, pages, workers, front=None) -> dict:
    from django.test import Client

    port, bare_port = args.port, args.port + 1
    client = Client(HTTP_HOST=f"127.0.0.1:{port}", raise_request_exception=False)
    print("\nWarming up and counting queries…", flush=True)
    queries = {}
    rows = {"errors": []}
    for label, path in pages:
        status, _ = fetch(port, path)
        if status != 200:
            rows["errors"].append(f"{label} {path} answered {status}")
            print(f"  {rows['errors'][-1]}", flush=True)
        warm(port, path, workers)
        queries[label] = count_queries(client, path)
    warm(bare_port, "/", workers)

    rows["load_before"] = load()
    print(f"\nLoad before: {rows['load_before']}; measuring…", flush=True)
    rows["bare_before"] = measure(args, wrk, bare_port, "/")
    rows["bare_before_one"] = measure(args, wrk, bare_port, "/", one=True)
    print(f"  bare view: {rows['bare_before']['rps']:.0f} requests/s", flush=True)
    rows["pages"] = []
    for label, path in pages:
        fetch(port, path)  # warm the page cache
        _status, header = fetch(port, path)
        cached = measure(args, wrk, port, path)
        uncached = measure(args, wrk, port, path, cookie=BYPASS)
        one = measure(args, wrk, port, path, cookie=BYPASS, one=True)
        _status, header_uncached = fetch(port, path, BYPASS)
        row = {
            "label": label,
            "path": path,
            "cached": cached,
            "uncached": uncached,
            "one": one,
            "queries": queries[label],
            "header": header,
            "header_uncached": header_uncached,
        }
        if front is not None:
            ceiling_path = write_ceiling(port, path, len(rows["pages"]))
            front_header(front.port, path)  # into Varnish
            row["front_header"] = front_header(front.port, path)
            row["front"] = measure(args, wrk, front.port, path, headers=[GZIP])
            row["ceiling"] = measure(args, wrk, front.port, ceiling_path, headers=[GZIP])
        rows["pages"].append(row)
        print(
            f"  {label}: cached {cached['rps']:.1f}/s, uncached {uncached['rps']:.1f}/s, "
            f"one connection p50 {one['p50']:.1f} ms"
            + (
                f"; front {row['front']['rps']:.1f}/s, static ceiling {row['ceiling']['rps']:.1f}/s"
                if front is not None
                else ""
            ),
            flush=True,
        )
    rows["bare_after"] = measure(args, wrk, bare_port, "/")
    rows["bare_after_one"] = measure(args, wrk, bare_port, "/", one=True)
    rows["load_after"] = load()
    return rows


def report(args, rows, workers, config, counts, site, bare) -> list[str]:
    """Print the table and the targets; return the errors seen (non-2xx answers, socket
    errors, error lines in the servers' logs)."""
    errors = rows["errors"]
    bare_rps = (rows["bare_before"]["rps"] + rows["bare_after"]["rps"]) / 2
    head = [
        "page", "mode", "requests/s", "p50 ms", "p99 ms", "non-2xx", "socket errors",
        "% of bare", "% of ceiling", "p50 ms, 1 conn.", "queries", "kB", "X-Page-Cache",
    ]  # fmt: skip
    table = []

    def line(label, mode, result, one=None, queries="", header="", ceiling=None):
        for name, measured in (("", result), (" (1 connection)", one)):
            if measured and (measured["non2xx"] or measured["errors"]):
                errors.append(
                    f"{label or table[-1][0]} {mode}{name}: {measured['non2xx']} non-2xx "
                    f"answers, {measured['errors']} socket errors"
                )
            if measured and not measured["requests"]:
                errors.append(
                    f"{label or table[-1][0]} {mode}{name}: no answer within {args.duration}"
                )
        table.append(
            [
                label,
                mode,
                f"{result['rps']:,.1f}",
                f"{result['p50']:.1f}",
                f"{result['p99']:.1f}",
                str(result["non2xx"]),
                str(result["errors"]),
                f"{100 * result['rps'] / bare_rps:.1f}" if bare_rps else "",
                f"{100 * result['rps'] / ceiling['rps']:.1f}" if ceiling and ceiling["rps"] else "",
                f"{one['p50']:.1f}" if one else "",
                str(queries),
                f"{result['kb']:.1f}",
                header or "–",
            ]
        )

    line("bare view (before)", "–", rows["bare_before"], rows["bare_before_one"], 0)
    for page in rows["pages"]:
        cached_queries, uncached_queries = page["queries"]
        ceiling = page.get("ceiling")
        line(
            page["label"], "cached", page["cached"], None, cached_queries, page["header"],
            ceiling,
        )  # fmt: skip
        if ceiling:
            line(
                "", "front (Varnish), gzip", page["front"], None, "", page["front_header"],
                ceiling,
            )  # fmt: skip
            line("", "ceiling: static file, gzip", ceiling, None, "", "", ceiling)
        line(
            "", "uncached", page["uncached"], page["one"], uncached_queries,
            page["header_uncached"],
        )  # fmt: skip
    line("bare view (after)", "–", rows["bare_after"], rows["bare_after_one"], 0)

    print()
    print(
        f"{counts[0]:,} articles, {counts[1]:,} webinars on PostgreSQL; gunicorn "
        f"{workers} workers ({config.get('worker_class')}, threads {config.get('threads')}, "
        f"preload_app {config.get('preload_app')}, gunicorn.conf.py's choice "
        f"{config.get('workers')}); wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}, one connection -t1 -c1 (uncached)"
    )
    if any("ceiling" in page for page in rows["pages"]):
        print(
            "front: nginx -> Varnish -> the site's gunicorn (deploy/, cgmsite.front_proxy), "
            "a Varnish hit; ceiling: the same nginx sending a static file of the page's very "
            "bytes (gzip_static); both with Accept-Encoding: gzip; % of ceiling: each row's "
            "requests/s over the ceiling's"
        )
    print(f"load average before {rows['load_before']}, after {rows['load_after']}")
    print(
        "queries: one request through Django's test client in the benchmark process "
        "(same settings, database and Redis), CaptureQueriesContext"
    )
    print()
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("| " + " | ".join(["---"] * 2 + ["---:"] * 10 + ["---"]) + " |")
        for cells in table:
            print("| " + " | ".join(cells) + " |")
    else:
        widths = [max(len(row[i]) for row in [head, *table]) for i in range(len(head))]
        for cells in [head, *table]:
            print(
                "  ".join(
                    cell.ljust(width) if i < 2 else cell.rjust(width)
                    for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
                )
            )
    print()
    targets(rows, bare_rps)
    for server in (site, bare):
        findings = log_findings(server)
        if findings:
            print(f"{server.name} log: {len(findings)} error lines, first ones:")
            for finding in findings[:10]:
                print(f"  {finding}")
            errors.append(f"{server.name} log: {len(findings)} error lines")
    return errors


def targets(rows, bare_rps) -> None:
    """Issue 10's targets on this machine, met or not."""
    pages = rows["pages"]
    hits = [page["label"] for page in pages if page["header"].lower() == "hit"]
    print(f"page cache hits (X-Page-Cache: hit): {', '.join(hits) if hits else 'none'}")
    if not bare_rps:
        return
    slow_cached = [
        page["label"] for page in pages if page["cached"]["rps"] < 0.5 * bare_rps
    ]  # fmt: skip
    with_queries = [page["label"] for page in pages if page["queries"][0] != 0]
    print(
        "cached pages at 50 % of the bare view or more: "
        + ("yes" if not slow_cached else f"no ({', '.join(slow_cached)})")
    )
    with_front = [page for page in pages if "ceiling" in page]
    if with_front:
        shares = ", ".join(
            f"{page['label']} {100 * page['front']['rps'] / page['ceiling']['rps']:.0f} %"
            for page in with_front
            if page["ceiling"]["rps"]
        )
        print(f"front (Varnish hit) as a share of the static ceiling: {shares}")
        misses = [page["label"] for page in with_front if page["front_header"] != "hit"]
        print(
            "every page a Varnish hit through the front: "
            + ("yes" if not misses else f"no ({', '.join(misses)})")
        )
    print(
        "zero queries on a cache hit: "
        + ("yes" if not with_queries else f"no ({', '.join(with_queries)})")
    )
    for label, share in (("article", 10), ("category page", 5)):
        page = next((page for page in pages if page["label"] == label), None)
        if page is None:  # left out with --only
            continue
        value = 100 * page["uncached"]["rps"] / bare_rps
        verdict = "yes" if value >= share else "no"
        print(f"uncached {label} at {share} % of the bare view or more: {verdict} ({value:.1f} %)")
    slow = [
        f"{page['label']} {page['one']['p50']:.0f} ms"
        for page in pages
        if page["one"]["p50"] >= TARGET_P50_MS
    ]
    print(
        f"every page under {TARGET_P50_MS} ms p50 uncached at one connection: "
        + ("yes" if not slow else f"no ({', '.join(slow)})")
    )


if __name__ == "__main__":
    main()
