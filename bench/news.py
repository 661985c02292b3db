"""Benchmark the news pages on a large newsroom.

Builds N posts (default 10,000; one in ten a webinar, the rest articles) in a
throwaway test database, then requests the category page, an article page, the news
index, a feed, the webinar pages, search and the sitemap through Django's test client and
prints p50/p95 latency and the SQL query count of each.

Every request bypasses the anonymous page cache (``PAGE_CACHE_ENABLED`` is off here): the
figures are what a page costs to render. Per-object fragment caches stay warm after the
first request, as they would in production.

    make bench-news                       # 10,000 articles, 50 requests per URL
    make bench-news BENCH_ARGS="--posts 2000 --requests 20"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench-news
    make bench-news BENCH_ARGS="--keepdb"  # PostgreSQL: build once, reuse on the next run
    make bench-news BENCH_ARGS="--profile article"  # where one page's time goes (cProfile)
"""

import argparse
import cProfile
import os
import pstats
import random
import re
import statistics
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cgmsite.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.html import strip_tags  # noqa: E402

from wagtail.models import Page, Site  # noqa: E402
from wagtail.search.backends import get_search_backend  # noqa: E402
from wagtail.search.signal_handlers import post_save_signal_handler  # noqa: E402

from cgmsite.demo import seed  # noqa: E402
from cgmsite.demo.images import placeholder_jpeg  # noqa: E402
from cgmsite.models import HomePage  # noqa: E402
from events.models import WebinarIndexPage, WebinarPage  # noqa: E402
from news.models import ArticleAuthor, ArticlePage, Author, Category, NewsIndexPage  # noqa: E402

# Real Italian prose as vocabulary, so word frequencies (and how many posts a search
# term matches) look like the newsroom's rather than like a 20-word toy corpus.
WEBINAR_EVERY = 10
WORDS = re.findall(r"[a-zà-ù]{3,}", strip_tags(str(seed.ARTICLES)).lower())


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def build(count: int):
    from django.db.models.signals import post_save

    from wagtail.images import get_image_model

    rng = random.Random(42)
    root = Page.get_first_root_node()
    for old in root.get_children():
        old.delete()
    home = root.add_child(instance=HomePage(title="Home", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "testserver", "port": 80, "root_page": home},
    )
    index = home.add_child(instance=NewsIndexPage(title="Notizie", slug="notizie"))
    webinar_index = home.add_child(instance=WebinarIndexPage(title="Webinar", slug="webinar"))
    categories = [
        Category.objects.create(name=name, slug=name.lower())
        for name in ("Educazione", "Welfare", "Finanza", "Formazione", "News")
    ]
    images = [
        get_image_model().objects.create(title=f"img {i}", file=placeholder_jpeg(f"img {i}"))
        for i in range(20)
    ]
    # Index once at the end instead of once per page: the build is 5x faster.
    for model in (Page, ArticlePage, WebinarPage):
        post_save.disconnect(post_save_signal_handler, sender=model)
    author, _ = Author.objects.get_or_create(
        slug="autore-prova", defaults={"name": "Autore Prova", "role": "Redazione"}
    )
    started = clock.perf_counter()
    first = date(2020, 1, 1)
    article = webinar = None
    with transaction.atomic():
        for i in range(count):
            if i % WEBINAR_EVERY == 0:
                webinar = webinar_index.add_child(instance=make_webinar(rng, i, first, images))
                webinar.categories.set(rng.sample(categories, 2))
                webinar.save()
                continue
            page = ArticlePage(
                title=f"{sentence(rng, 6)} {i}",
                slug=f"articolo-{i}",
                date=first + timedelta(days=i % 2000),
                standfirst=sentence(rng, 20),
                place=rng.choice(["Milano", "Napoli", "Brescia", ""]),
                hero_image=rng.choice(images),
                body=[("text", f"<p>{sentence(rng, 120)}</p>")],
            )
            page.categories.set(rng.sample(categories, 2))
            page.authors.set([ArticleAuthor(author=author)])
            article = index.add_child(instance=page)
            if (i + 1) % 1000 == 0:
                print(f"  {i + 1} posts ({clock.perf_counter() - started:.0f} s)", flush=True)
    backend = get_search_backend()
    backend.add_bulk(ArticlePage, list(ArticlePage.objects.all()))
    backend.add_bulk(WebinarPage, list(WebinarPage.objects.all()))
    # A live database has planner statistics (autovacuum, sqlite's optimize); give them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Built {count} posts in {clock.perf_counter() - started:.0f} s", flush=True)
    return categories[1], article, webinar


def make_webinar(rng: random.Random, i: int, first: date, images) -> WebinarPage:
    start = timezone.make_aware(datetime.combine(first + timedelta(days=i % 2500), time(15)))
    return WebinarPage(
        title=f"Webinar {sentence(rng, 5)} {i}",
        slug=f"webinar-{i}",
        date=first + timedelta(days=i % 2000),
        standfirst=sentence(rng, 20),
        abstract=f"<p>{sentence(rng, 80)}</p>",
        agenda=[("point", sentence(rng, 8)) for _ in range(4)],
        start=start,
        end=start + timedelta(minutes=90),
        teams_join_url="https://teams.microsoft.com/l/meetup-join/19%3ameeting_bench%40thread.v2/0",
        contact_email="info@example.org",
        hero_image=rng.choice(images),
    )


def reuse(count: int):
    """The category, last article and last webinar of a database built earlier, or None."""
    if ArticlePage.objects.count() + WebinarPage.objects.count() != count:
        return None
    category = Category.objects.get(slug="welfare")
    article = ArticlePage.objects.order_by("-pk").first()
    webinar = WebinarPage.objects.order_by("-pk").first()
    return category, article, webinar


def measure(client: Client, url: str, requests: int, profiler=None) -> dict:
    response = client.get(url)  # warm up: renditions, caches
    if response.status_code != 200:
        return {"status": response.status_code}
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries)  # read now: the next request clears the query log
    timings = []
    cpu = []
    for _ in range(requests):
        started, started_cpu = clock.perf_counter(), clock.process_time()
        if profiler:
            profiler.enable()
        client.get(url)
        if profiler:
            profiler.disable()
        timings.append((clock.perf_counter() - started) * 1000)
        cpu.append((clock.process_time() - started_cpu) * 1000)
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[max(0, int(len(timings) * 0.95) - 1)],
        # This process's CPU (the web worker's share; the database's is in the latency):
        # steadier than the latency on a machine shared with other work.
        "cpu": statistics.median(cpu),
        "queries": query_count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", "--articles", dest="posts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--keepdb",
        action="store_true",
        help="keep the database afterwards and reuse it when it already holds the posts "
        "(PostgreSQL; SQLite's test database is in memory)",
    )
    parser.add_argument(
        "--profile",
        metavar="LABEL",
        help="profile the requests of the page whose label starts with LABEL, print the top",
    )
    args = parser.parse_args()

    setup_test_environment()
    # What a page costs to render, not what the page cache saves.
    settings.PAGE_CACHE_ENABLED = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        built = reuse(args.posts) if args.keepdb else None
        if built is None:
            print(f"Database: {connection.vendor}; building {args.posts} posts…", flush=True)
            built = build(args.posts)
        else:
            print(f"Database: {connection.vendor}; reusing {args.posts} posts", flush=True)
        category, article, webinar = built
        client = Client()
        urls = {
            "category page": f"/notizie/categoria/{category.slug}/",
            "category page 50": f"/notizie/categoria/{category.slug}/?page=50",
            "news index": "/notizie/",
            "category feed": f"/notizie/categoria/{category.slug}/feed/",
            "article page": article.url,
            "webinar index": "/webinar/",
            "webinar page": webinar.url,
            "webinar .ics feed": "/webinar/calendario.ics",
            "search (rare word)": "/cerca/?q=napoliwelfare",
            "search (2 words)": "/cerca/?q=servizi+welfare",
            "home": "/",
            "sitemap index": "/sitemap.xml",
            "sitemap page 1": "/sitemap-pages.xml?p=1",
        }
        if args.profile:
            urls = {label: url for label, url in urls.items() if label.startswith(args.profile)}
        print(f"\n{'page':<20} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'queries':>8}")
        failed = False
        for label, url in urls.items():
            profiler = cProfile.Profile() if args.profile else None
            result = measure(client, url, args.requests, profiler)
            if "status" in result:
                print(f"{label:<20} {url} answered {result['status']}")
                failed = True
                continue
            print(
                f"{label:<20} {result['p50']:>8.1f} {result['p95']:>8.1f} {result['cpu']:>8.1f}"
                f" {result['queries']:>8}"
            )
            if profiler:
                stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
                stats.print_stats(40)
                stats.sort_stats("tottime").print_stats(25)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    if failed:
        raise SystemExit("Some pages did not answer 200.")


if __name__ == "__main__":
    main()
