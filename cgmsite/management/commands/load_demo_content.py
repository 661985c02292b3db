"""Create the site tree and the seed posts. Safe to run again: it changes nothing then."""

from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cgmsite.demo import seed
from cgmsite.demo.images import placeholder_jpeg, programme_pdf
from cgmsite.models import HomePage, SiteSettings, StandardPage
from events.models import WebinarIndexPage, WebinarPage, WebinarSpeaker, schedule_label
from events.teams.client import graph_enabled
from news.models import ArticleAuthor, ArticlePage, Author, Category, NewsIndexPage
from registrations import attendance, certificates, invitations
from registrations.emails import new_join_token
from registrations.membership import member_organisation_for
from registrations.models import MemberDomain, MemberOrganisation, Registration

CATEGORIES = [
    ("Educazione", "educazione", "Servizi educativi, infanzia e scuola nelle imprese sociali."),
    ("Welfare", "welfare", "Welfare territoriale e aziendale, servizi alla persona."),
    ("Finanza", "finanza", "Finanza sociale ed etica per il terzo settore."),
    ("Formazione", "formazione", "Webinar e percorsi formativi per la rete CGM."),
    ("News", "news", "Notizie dal Gruppo Cooperativo CGM e dalla sua rete."),
]


class Command(BaseCommand):
    help = "Load the demo content (site tree, categories, seed posts). Idempotent."

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
        webinar_index = self.child(
            home,
            WebinarIndexPage,
            slug="webinar",
            title="Webinar",
            intro="<p>Formazione online gratuita e riservata alla rete CGM.</p>",
        )
        for item in [*seed.WEBINARS, upcoming_demo_webinar(), full_demo_webinar()]:
            self.webinar(webinar_index, item, categories)
        self.privacy_page(home)
        self.accessibility_page(home)
        self.member_organisations()
        self.full_registrations(WebinarPage.objects.child_of(webinar_index).get(slug=FULL_WEBINAR))
        self.past_attendance(WebinarPage.objects.child_of(webinar_index).get(slug=PAST_WEBINAR))
        self.stdout.write(
            self.style.SUCCESS(f"Demo content ready ({self.created} objects created).")
        )

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
            site_settings.address = site_settings.address or "Via Rosa Zalivani 2\n25125 Brescia"
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
            hero_image_credit_lang=item.get("photo_credit_lang", "it"),
            body=[(kind, value) for kind, value in item["body"]],
            original_name=original.get("name", ""),
            original_date=date.fromisoformat(original["date"]) if original.get("date") else None,
            original_date_precision=original.get("date_precision", "day"),
            original_url=original.get("url", ""),
        )
        page.categories.set([categories[slug] for slug in item["categories"]])
        page.authors.set(
            [
                ArticleAuthor(author=self.author(name, role), sort_order=i)
                for i, (name, role) in enumerate(item["authors"])
            ]
        )
        return self.publish(parent, page)

    def author(self, name: str, role: str) -> Author:
        author, created = Author.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "role": role}
        )
        self.created += created
        return author

    def publish(self, parent, page):
        """Add and publish ``page``, dated as the seed dates it (09:00 on its date)."""
        parent.add_child(instance=page)
        page.save_revision().publish()
        published = timezone.make_aware(datetime.combine(page.date, datetime.min.time()))
        published += timedelta(hours=9)
        type(page).objects.filter(pk=page.pk).update(
            first_published_at=published, last_published_at=published
        )
        self.created += 1
        return page

    def privacy_page(self, home) -> None:
        page = self.child(
            home,
            StandardPage,
            slug="privacy",
            title="Informativa sulla privacy",
            body=[("text", PRIVACY_TEXT)],
        )
        site_settings = SiteSettings.for_site(home.get_site())
        if site_settings.privacy_page_id is None:
            site_settings.privacy_page = page
            site_settings.save()

    def accessibility_page(self, home) -> None:
        page = self.child(
            home,
            StandardPage,
            slug="accessibilita",
            title="Dichiarazione di accessibilità",
            body=[("text", ACCESSIBILITY_TEXT)],
        )
        site_settings = SiteSettings.for_site(home.get_site())
        if site_settings.accessibility_page_id is None:
            site_settings.accessibility_page = page
            site_settings.save()

    def member_organisations(self) -> None:
        for name, city, domains in MEMBER_ORGANISATIONS:
            organisation, created = MemberOrganisation.objects.get_or_create(
                name=name, defaults={"city": city}
            )
            self.created += created
            for domain in domains:
                _, created = MemberDomain.objects.get_or_create(
                    domain=domain, defaults={"organisation": organisation}
                )
                self.created += created

    def past_attendance(self, webinar: WebinarPage) -> None:
        """The seed webinar of 17 April 2020, as if it had run on the site: registrants,
        the Teams attendance file imported, certificates for those who attended (no
        e-mail sent). A guest who joined without e-mail waits for staff to confirm."""
        if Registration.objects.filter(webinar=webinar).exists():
            return
        # Demo data of a webinar long past: no service signs people up for it any more.
        for first, last, email in PAST_REGISTRANTS:
            organisation = member_organisation_for(email)
            Registration.objects.create(
                webinar=webinar,
                first_name=first,
                last_name=last,
                email=email,
                organisation_name=organisation.name,
                member_organisation=organisation,
                status=Registration.Status.CONFIRMED,
                consent_at=webinar.start - timedelta(days=2),
                consent_version="demo",
                confirmed_at=webinar.start - timedelta(days=2),
                join_token=new_join_token(),
                join_count=1,
            )
            self.created += 1
        attendance.import_file(webinar=webinar, data=PAST_ATTENDANCE_FILE.read_bytes())
        organiser = certificates.organiser_name()
        attended = Registration.objects.filter(
            webinar=webinar, attendance=Registration.Attendance.ATTENDED
        )
        for registration in attended:
            certificates.certificate_issue(registration=registration, organiser=organiser)
            self.created += 1

    def full_registrations(self, webinar: WebinarPage) -> None:
        """The full demo webinar's people, so its console has something to run: every seat
        taken, a waiting list, and an access request from outside the network (no e-mail
        sent; they stand for people who signed up on the site)."""
        if Registration.objects.filter(webinar=webinar).exists():
            return
        signed_up = timezone.now() - timedelta(days=3)
        fingerprint = invitations.webinar_fingerprint(webinar)
        for position, (first, last, email, status) in enumerate(FULL_REGISTRANTS):
            organisation = member_organisation_for(email)
            confirmed = status == Registration.Status.CONFIRMED
            Registration.objects.create(
                webinar=webinar,
                first_name=first,
                last_name=last,
                email=email,
                organisation_name=organisation.name if organisation else "Cooperativa Il Faro",
                member_organisation=organisation,
                status=status,
                waitlist_position=(
                    position - 2 if status == Registration.Status.WAITLISTED else None
                ),
                consent_at=signed_up,
                consent_version="demo",
                confirmed_at=signed_up if status != Registration.Status.PENDING_REVIEW else None,
                join_token=new_join_token() if confirmed else None,
                invited_fingerprint=fingerprint if confirmed else "",
            )
            self.created += 1

    def document(self, title: str, lines: list[str]):
        Document = get_document_model()
        document = Document.objects.filter(title=title).first()
        if document is None:
            document = Document.objects.create(title=title, file=programme_pdf(title, lines))
            self.created += 1
        return document

    def webinar(self, parent, item, categories) -> WebinarPage:
        existing = WebinarPage.objects.child_of(parent).filter(slug=item["slug"]).first()
        if existing:
            return existing
        start = timezone.make_aware(datetime.fromisoformat(item["start"]))
        end = timezone.make_aware(datetime.fromisoformat(item["end"]))
        programme = None
        if item["has_programme"]:
            programme = self.document(
                f"Programma – {item['title']}",
                [
                    f"{schedule_label(start, end)} – Microsoft Teams",
                    *[f"• {point}" for point in item["agenda"]],
                    *[f"{name}, {description}" for name, description, _ in item["speakers"]],
                ],
            )
        # With Microsoft Graph configured, the upcoming demo webinar has its meeting created
        # by the site (the worker does it once the page is published).
        automatic = item.get("creates_meeting", False) and graph_enabled()
        page = WebinarPage(
            slug=item["slug"],
            title=item["title"],
            standfirst=item["standfirst"],
            date=date.fromisoformat(item["published"]),
            topic_area=item["topic_area"],
            abstract=item["abstract"],
            agenda=[("point", point) for point in item["agenda"]],
            start=start,
            end=end,
            platform=item["platform"],
            teams_meeting_mode=(
                WebinarPage.MeetingMode.AUTOMATIC if automatic else WebinarPage.MeetingMode.LINK
            ),
            # A placeholder: a real meeting's link is pasted by the editor from Teams.
            teams_join_url="" if automatic else DEMO_TEAMS_URL.format(slug=item["slug"]),
            contact_email=item["contact_email"] or "info@cgm.coop",
            is_free=item["free"],
            members_only=item["members_only"],
            capacity=item.get("capacity"),
            programme=programme,
            hero_image=self.image(item["title"], f"Immagine del webinar «{item['title']}»"),
        )
        page.categories.set([categories[slug] for slug in item["categories"]])
        page.speakers.set(
            [
                WebinarSpeaker(name=name, description=description, role=role, sort_order=i)
                for i, (name, description, role) in enumerate(item["speakers"])
            ]
        )
        return self.publish(parent, page)


# The seed names these organisations; only cgm.coop is their real domain, the others
# use the reserved .example domain so that the demo never mails a real cooperative.
MEMBER_ORGANISATIONS = [
    ("Gruppo Cooperativo CGM", "Milano", ["cgm.coop"]),
    ("Consorzio Proodos", "Napoli", ["proodos.example"]),
    ("Stripes Cooperativa Sociale Onlus", "Rho (Milano)", ["stripes.example"]),
]

PRIVACY_TEXT = (
    "<h2>Informativa sul trattamento dei dati personali</h2>"
    "<p>Testo dimostrativo. I dati raccolti con l’iscrizione ai webinar (nome, cognome, "
    "indirizzo e-mail, organizzazione e ruolo) sono trattati dal Gruppo Cooperativo CGM "
    "al solo fine di gestire l’iscrizione e inviare l’invito al webinar. Sono cancellati "
    "o resi anonimi entro 30 giorni dallo svolgimento del webinar.</p>"
)

ACCESSIBILITY_TEXT = (
    "<p>Testo dimostrativo. Il Gruppo Cooperativo CGM si impegna a rendere il proprio sito "
    "accessibile, conformemente alla legge 9 gennaio 2004, n. 4, e alle Linee guida AgID "
    "sull’accessibilità degli strumenti informatici.</p>"
    "<h2>Stato di conformità</h2>"
    "<p>Il sito è progettato per essere conforme ai requisiti delle WCAG 2.2, livello AA: "
    "si può navigare con la sola tastiera, i testi hanno un contrasto sufficiente e le "
    "immagini informative hanno un testo alternativo.</p>"
    "<h2>Segnalazioni</h2>"
    "<p>Chi incontra un contenuto non accessibile può scrivere a info@cgm.coop: "
    "risponderemo entro 30 giorni.</p>"
)

PAST_WEBINAR = "imprese-sociali-educazione"
PAST_ATTENDANCE_FILE = (
    Path(__file__).resolve().parents[2] / "demo" / "teams-attendance-2020-04-17.csv"
)
# Members of the demo organisations (reserved .example domains: the demo mails no one).
PAST_REGISTRANTS = [
    ("Chiara", "Ferri", "chiara.ferri@proodos.example"),
    ("Luca", "Marino", "luca.marino@stripes.example"),
    ("Elena", "Conti", "elena.conti@proodos.example"),
    ("Davide", "Greco", "davide.greco@stripes.example"),
    ("Sara", "Villa", "sara.villa@stripes.example"),
]

DEMO_TEAMS_URL = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_demo-{slug}%40thread.v2/0"
    "?context=%7b%22Tid%22%3a%22demo%22%7d"
)


FULL_WEBINAR = "webinar-di-prova-posti-esauriti"
# Three seats taken, two people waiting, one access request to review.
FULL_REGISTRANTS = [
    ("Chiara", "Colombo", "chiara.colombo@cgm.coop", Registration.Status.CONFIRMED),
    ("Marco", "Ferrari", "marco.ferrari@proodos.example", Registration.Status.CONFIRMED),
    ("Sara", "Romano", "sara.romano@stripes.example", Registration.Status.CONFIRMED),
    ("Davide", "Ricci", "davide.ricci@cgm.coop", Registration.Status.WAITLISTED),
    ("Elena", "Marino", "elena.marino@proodos.example", Registration.Status.WAITLISTED),
    ("Giorgio", "Greco", "giorgio.greco@example.org", Registration.Status.PENDING_REVIEW),
]


def full_demo_webinar() -> dict:
    """A second upcoming webinar, already full, for the staff console."""
    item = upcoming_demo_webinar()
    day = timezone.localdate() + timedelta(days=28)
    item.update(
        slug=FULL_WEBINAR,
        title="Webinar di prova: il bilancio sociale delle cooperative",
        standfirst="Un webinar dimostrativo già al completo, con la lista d’attesa.",
        categories=["formazione"],
        start=f"{day.isoformat()}T15:00",
        end=f"{day.isoformat()}T16:30",
        abstract="<p>Come raccontare il valore sociale prodotto dalla cooperativa. Questo "
        "webinar fa parte dei contenuti dimostrativi.</p>",
        agenda=["Che cos’è il bilancio sociale", "Gli indicatori di impatto"],
        has_programme=False,
        capacity=3,
        creates_meeting=False,
    )
    return item


def upcoming_demo_webinar() -> dict:
    """One webinar three weeks after the first run, so registration can be tried at once."""
    day = timezone.localdate() + timedelta(days=21)
    return {
        "slug": "webinar-di-prova-iscrizioni",
        "title": "Webinar di prova: accogliere nei servizi educativi",
        "standfirst": "Un webinar dimostrativo per provare l’iscrizione e l’invito Teams.",
        "categories": ["educazione", "formazione"],
        "published": timezone.localdate().isoformat(),
        "topic_area": "Sistemi di Gestione",
        "start": f"{day.isoformat()}T10:30",
        "end": f"{day.isoformat()}T12:00",
        "abstract": "<p>Un incontro online per condividere buone prassi di accoglienza nei "
        "servizi educativi della rete. Questo webinar fa parte dei contenuti dimostrativi.</p>",
        "agenda": [
            "Le pratiche di accoglienza nei nidi e nelle scuole dell’infanzia",
            "Il dialogo con le famiglie",
        ],
        "speakers": [("Relatrice Dimostrativa", "pedagogista", "speaker")],
        "contact_email": "info@cgm.coop",
        "has_programme": True,
        "free": True,
        "members_only": True,
        "platform": "teams",
        "capacity": 50,
        "creates_meeting": True,
    }
