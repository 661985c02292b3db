"""Create the site tree and the seed posts. Safe to run again: it changes nothing then."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cgmsite.demo import seed
from cgmsite.demo.images import placeholder_jpeg
from cgmsite.models import HomePage, SiteSettings
from news.models import ArticleAuthor, ArticlePage, Category, NewsIndexPage

CATEGORIES = [
    ("Educazione", "educazione", "Servizi educativi, infanzia e scuola nelle imprese sociali."),
    ("Welfare", "welfare", "Welfare territoriale e aziendale, servizi alla persona."),
    ("Finanza", "finanza", "Finanza sociale ed etica per il terzo settore."),
    ("Formazione", "formazione", "Webinar e percorsi formativi per la rete CGM."),
    ("News", "news", "Notizie dal Gruppo Cooperativo CGM e dalla sua rete."),
]


class Command(BaseCommand):
    help = "Load the demo content (site tree, categories, seed articles). Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        self.created = 0
        home = self.home_page()
        self.site(home)
        categories = self.categories()
        news_index = self.child(
            home,
            NewsIndexPage,
            slug="notizie",
            title="Notizie",
            intro="<p>Articoli, riflessioni e webinar della rete CGM.</p>",
        )
        for item in seed.ARTICLES:
            self.article(news_index, item, categories)
        self.extend(home, categories)
        self.stdout.write(
            self.style.SUCCESS(f"Demo content ready ({self.created} objects created).")
        )

    def extend(self, home, categories):
        """Hook for later apps' demo content (webinars, member organisations)."""

    def home_page(self) -> HomePage:
        home = HomePage.objects.first()
        if home:
            return home
        root = Page.get_first_root_node()
        # Wagtail's initial migration leaves a plain "Welcome" page at the root's
        # first child with the slug "home"; the real home page takes its place.
        for old in root.get_children().exact_type(Page):
            old.delete()
        home = root.add_child(
            instance=HomePage(
                title="Gruppo Cooperativo CGM",
                slug="home",
                seo_title="CGM – notizie e webinar della rete",
                intro="<p>Notizie, approfondimenti e webinar della rete nazionale di "
                "cooperative sociali.</p>",
            )
        )
        home.save_revision().publish()
        self.created += 1
        return home

    def site(self, home: HomePage) -> None:
        from urllib.parse import urlsplit

        base = urlsplit(settings.SITE_BASE_URL)
        port = base.port or (443 if base.scheme == "https" else 80)
        site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
        wanted = {
            "hostname": base.hostname,
            "port": port,
            "root_page_id": home.pk,
            "site_name": "Gruppo Cooperativo CGM",
        }
        if any(getattr(site, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(site, key, value)
            site.save()
        site_settings = SiteSettings.for_site(site)
        if not site_settings.contact_email:
            site_settings.contact_email = "info@cgm.coop"
            site_settings.save()

    def categories(self) -> dict[str, Category]:
        result = {}
        for name, slug, description in CATEGORIES:
            category, created = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            self.created += created
            result[slug] = category
        return result

    def child(self, parent, model, *, slug, **fields):
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing
        page = parent.add_child(instance=model(slug=slug, **fields))
        page.save_revision().publish()
        self.created += 1
        return page

    def image(self, title: str, alt: str):
        Image = get_image_model()
        image = Image.objects.filter(title=title).first()
        if image is None:
            image = Image.objects.create(title=title, description=alt, file=placeholder_jpeg(title))
            self.created += 1
        return image

    def article(self, parent, item, categories) -> ArticlePage:
        existing = ArticlePage.objects.child_of(parent).filter(slug=item["slug"]).first()
        if existing:
            return existing
        original = item["original"] or {}
        page = ArticlePage(
            slug=item["slug"],
            title=item["title"],
            standfirst=item["standfirst"],
            date=date.fromisoformat(item["date"]),
            place=item["place"],
            hero_image=self.image(
                item["title"], f"Immagine illustrativa dell’articolo «{item['title']}»"
            ),
            hero_image_credit=item["photo_credit"],
            body=[(kind, value) for kind, value in item["body"]],
            original_name=original.get("name", ""),
            original_date=date.fromisoformat(original["date"]) if original.get("date") else None,
            original_url=original.get("url", ""),
        )
        page.categories.set([categories[slug] for slug in item["categories"]])
        page.authors.set(
            [
                ArticleAuthor(name=name, role=role, sort_order=i)
                for i, (name, role) in enumerate(item["authors"])
            ]
        )
        parent.add_child(instance=page)
        revision = page.save_revision()
        revision.publish()
        published = timezone.make_aware(
            timezone.datetime.combine(page.date, timezone.datetime.min.time().replace(hour=9))
        )
        ArticlePage.objects.filter(pk=page.pk).update(
            first_published_at=published, last_published_at=published
        )
        self.created += 1
        return page
