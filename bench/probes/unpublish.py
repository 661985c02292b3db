"""Unpublish one live article (run with `manage.py shell < bench/probes/unpublish.py`).

Prints one JSON line: its URL path, title and category pages, and how long it took.
"""

import json
import time

from news.models import ArticlePage

article = ArticlePage.objects.live().order_by("-first_published_at").first()
path = article.url_path
url = article.get_url()
title = article.title
categories = [c.slug for c in article.categories.all()] if hasattr(article, "categories") else []
start = time.perf_counter()
article.unpublish()
print(
    json.dumps(
        {
            "url": url,
            "title": title,
            "categories": categories,
            "seconds": round(time.perf_counter() - start, 2),
        }
    )
)
