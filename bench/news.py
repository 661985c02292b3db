"""Benchmark the news pages on a large newsroom.

Builds N posts (default 10,000; one in ten a webinar, the rest articles) in a
throwaway test database, then requests the category page, an article page, the news
index, a feed, the webinar pages and search through Django's test client and prints
p50/p95 latency and the SQL query count of each.

    make bench-news                       # 10,000 articles, 50 requests per URL
    make bench-news BENCH_ARGS="--posts 2000 --requests 20"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench-news
"""

import argparse
import os
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
from news.models import ArticleAuthor, ArticlePage, Category, NewsIndexPage  # noqa: E402

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
            page.authors.set([ArticleAuthor(name="Autore Prova", role="Redazione")])
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


def measure(client: Client, url: str, requests: int) -> dict:
    response = client.get(url)  # warm up: renditions, caches
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries)  # read now: the next request clears the query log
    timings = []
    for _ in range(requests):
        started = clock.perf_counter()
        client.get(url)
        timings.append((clock.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[max(0, int(len(timings) * 0.95) - 1)],
        "queries": query_count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", "--articles", dest="posts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor}; building {args.posts} posts…", flush=True)
        category, article, webinar = build(args.posts)
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
        }
        print(f"\n{'page':<20} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for label, url in urls.items():
            result = measure(client, url, args.requests)
            print(f"{label:<20} {result['p50']:>8.1f} {result['p95']:>8.1f} {result['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
