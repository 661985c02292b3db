"""``manage.py load_demo_content``: the seed site, and a second run that changes nothing."""

import difflib
import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

import pytest
from bs4 import BeautifulSoup

from cgmsite.demo import seed
from events.models import WebinarPage
from news.models import ArticlePage, Category
from registrations.models import AttendanceRecord, Certificate, Registration
from tests.utils import listed_titles


def load_demo_content() -> int:
    """Run the command; return how many objects it says it created."""
    out = StringIO()
    call_command("load_demo_content", stdout=out)
    match = re.search(r"\b(\d+) objects created", out.getvalue())
    assert match, out.getvalue()
    return int(match[1])


def counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "categories": Category.objects.count(),
        "revisions": Revision.objects.count(),
        "sites": Site.objects.count(),
    }


@pytest.mark.django_db
def test_demo_content_builds_the_seed_site_once(client):
    created = load_demo_content()

    seed_titles = [article["title"] for article in seed.ARTICLES]
    assert len(seed_titles) == 5
    assert sorted(ArticlePage.objects.live().values_list("title", flat=True)) == sorted(seed_titles)
    assert sorted(Category.objects.values_list("name", flat=True)) == [
        "Educazione",
        "Finanza",
        "Formazione",
        "News",
        "Welfare",
    ]
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("testserver", 80)
    assert created > 0

    news = client.get("/notizie/")
    assert news.status_code == 200
    assert set(seed_titles) <= set(listed_titles(news))

    welfare_articles = sorted(
        (article for article in seed.ARTICLES if "welfare" in article["categories"]),
        key=lambda article: article["date"],
        reverse=True,
    )
    response = client.get("/notizie/categoria/welfare/")
    assert response.status_code == 200
    assert listed_titles(response) == [article["title"] for article in welfare_articles]

    for article in ArticlePage.objects.live():
        response = client.get(article.url)
        assert response.status_code == 200, article.url
        assert article.title.encode() in response.content

    before = counts()
    created_again = load_demo_content()

    assert counts() == before
    assert created_again == 0


@pytest.mark.django_db
def test_the_full_demo_webinar_gives_staff_a_console_to_run(client, django_user_model):
    load_demo_content()
    webinar = WebinarPage.objects.get(slug="webinar-di-prova-posti-esauriti")
    client.force_login(django_user_model.objects.create_superuser("staff", "s@cgm.coop", "pw"))
    console = BeautifulSoup(
        client.get(f"/admin/registrations/webinar/{webinar.pk}/").content, "html.parser"
    )
    waiting = [
        name.get_text() for name in console.select("[data-console-waiting] .cgm-person__name")
    ]
    assert waiting == ["Davide Ricci", "Elena Marino"]
    assert "giorgio.greco@example.org" in console.get_text()
    public = BeautifulSoup(client.get(webinar.url).content, "html.parser").get_text(" ")
    assert "Posti esauriti: lista d’attesa aperta." in " ".join(public.split())
    load_demo_content()  # a second run adds nobody
    assert Registration.objects.filter(webinar=webinar).count() == 6


@pytest.mark.django_db
def test_the_past_seed_webinar_has_attendance_and_a_certificate_to_open(client):
    load_demo_content()
    webinar = WebinarPage.objects.get(slug="imprese-sociali-educazione")
    attended = Registration.objects.filter(webinar=webinar, attendance="attended")
    assert sorted(r.full_name for r in attended) == ["Chiara Ferri", "Luca Marino"]
    # The guest who joined without an e-mail waits for staff to confirm the name match.
    assert AttendanceRecord.objects.get(display_name__startswith="Davide").match == "proposed"
    certificate = Certificate.objects.get(name="Chiara Ferri")
    pdf = client.get(f"/attestati/{certificate.download_token}/")
    assert pdf["Content-Type"] == "application/pdf"
    load_demo_content()  # a second run adds no registrant and no certificate
    assert Certificate.objects.count() == 2


@pytest.mark.django_db
def test_with_graph_the_upcoming_demo_webinar_gets_its_meeting(
    graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo_content()
    webinar = WebinarPage.objects.get(slug="webinar-di-prova-iscrizioni")
    assert webinar.creates_teams_meeting and webinar.teams_join_url == ""
    (meeting,) = graph.meetings.values()
    assert meeting["subject"] == webinar.title
    assert webinar.meeting_join_url == meeting["joinWebUrl"]
    # The seed webinars keep their pasted (placeholder) links.
    assert not WebinarPage.objects.exclude(pk=webinar.pk).filter(teams_join_url="").exists()


# The seed page (a copy of shared/seed/cgm-news-page.txt): each post under "Categorie".
SEED_PAGE = Path(__file__).parent / "fixtures" / "cgm-news-page.txt"

# What the seed says of each post that the site shows from other fields, not from the
# post's text: the byline, datelines (place and date), the verb before an attribution,
# the webinar's topic area, section headings the template writes, and its practical
# details (date and time, speakers, "free, members only", contact, programme).
SHOWN_ELSEWHERE = {
    # The seed's heading runs on two lines, the second kept in the title.
    "infanzia-futuro-del-paese": ["I servizi educativi sono molto più di un bonus baby-sitting"],
    "al-via-napoliwelfare": ["Napoli, 21 aprile 2020 –", "– spiega"],
    "rhowelfare-servizi-territoriali": ["Rho (Milano), 14 aprile 2020 –", "” – spiega"],
    "mano-pubblica-finanza-etica": [
        "Di Francesco ABBA’ e Flaviano ZANDONAI",
        "*Articolo pubblicato su Investire Today, supplemento del mese di aprile 2020 di Investire",
    ],
    "cura-italia-buoni-spesa": ["Milano, 2 aprile –", "”, dichiara", "”, dichiara"],
    "imprese-sociali-educazione": [
        "Per iscriverti clicca qui • La formazione è gratuita e aperta esclusivamente alla "
        "rete CGM. • Il webinar si svolgerà tramite l’applicazione Microsoft Teams. • Gli "
        "iscritti riceveranno un invito via mail con link per accedere al webinar in "
        "modalità OSPITE",
    ],
    "gestione-privacy-salute": [
        "Sistemi di Gestione Nel webinar approfondiremo",
        "Con Daniele Consoletti, avvocato esperto di sistemi privacy 15 aprile 2020 Ore "
        "15.00 – 16.30 • La formazione è gratuita e aperta esclusivamente alla rete CGM. • "
        "Il webinar si svolgerà tramite l’applicazione Microsoft Teams. • Gli iscritti "
        "riceveranno un invito via mail con link per accedere al webinar in modalità OSPITE "
        "Per informazioni e iscrizioni simona.taraschi@cgm.coop Programma completo",
    ],
    "gestione-rischio-clinico": [
        "Sistemi di Gestione Abstract",
        "Con Mario Iesurum, formatore e consulente esperto in risk management 8 aprile 2020 "
        "Ore 15.00 -16.30Il programma puoi scaricarlo a questo linkRicordiamo che • La "
        "formazione è gratuita e aperta esclusivamente alla rete CGM. • Il webinar si "
        "svolgerà tramite l’applicazione Microsoft Teams. Gli iscritti riceveranno un invito "
        "via mail con link per accedere al webinar in modalità OSPITE. Per informazioni e "
        "iscrizioni scrivere a simona.taraschi@cgm.coop",
    ],
}


def words(text: str) -> list[str]:
    """The words of a text, whatever its punctuation, spacing and markup.

    The seed glues some paragraphs, a link's label or a photo credit to what precedes
    them ("…digitale.Scopri", "InvestirePhoto"): a capital after a lower-case letter
    starts a word.
    """
    text = BeautifulSoup(text, "html.parser").get_text(" ")
    text = re.sub(r"(?<=[a-zà-ú.])(?=[A-Z])", " ", text)
    return re.findall(r"\w+", text)


def seed_posts() -> dict[str, str]:
    """Each seed post's text after its title, by the title the demo gives it."""
    posts = {}
    for chunk in SEED_PAGE.read_text().split("\nCategorie\n")[1:]:
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        # Categories, the listing's title ("Webinar | …"), the page's title.
        title = lines[1].removeprefix("Webinar | ")
        posts[title] = " ".join(lines[3:])
    return posts


def demo_text(page) -> str:
    """What the demo post says as text, in page order (HTML stripped)."""
    page = page.specific
    if isinstance(page, ArticlePage):
        return " ".join([page.standfirst, str(page.body), page.hero_image_credit])
    agenda = [str(point.value) for point in page.agenda]
    return " ".join([page.standfirst, page.abstract, *agenda])


@pytest.mark.django_db
def test_each_demo_post_says_what_the_seed_says_word_for_word():
    """Every sentence of the seed is in the demo post, once, and nothing else is."""
    load_demo_content()
    seed_text = seed_posts()
    slugs = [item["slug"] for item in [*seed.ARTICLES, *seed.WEBINARS]]
    assert len(seed_text) == len(slugs) == 8
    differences = []
    for slug in slugs:
        page = Page.objects.get(slug=slug)
        expected = words(seed_text[page.title])
        shown = words(demo_text(page))
        elsewhere = [" ".join(words(fragment)) for fragment in SHOWN_ELSEWHERE.get(slug, [])]
        matcher = difflib.SequenceMatcher(None, expected, shown, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            missing, added = " ".join(expected[i1:i2]), " ".join(shown[j1:j2])
            if op == "delete" and missing in elsewhere:
                elsewhere.remove(missing)
                continue
            differences.append(f"{slug}: seed «{missing}» / demo «{added}»")
        # What the list says is shown elsewhere must still be in the seed's text.
        differences += [f"{slug}: not in the seed «{fragment}»" for fragment in elsewhere]
    assert not differences, "\n".join(differences)


@pytest.mark.django_db
def test_the_demo_has_authors_credits_in_english_and_an_accessibility_statement(client):
    load_demo_content()
    article = client.get("/notizie/mano-pubblica-finanza-etica/")
    page = BeautifulSoup(article.content, "html.parser")
    links = [(a.get_text(strip=True), a["href"]) for a in page.select(".post__byline a")]
    assert links == [
        ("Francesco Abbà", "/notizie/autori/francesco-abba/"),
        ("Flaviano Zandonai", "/notizie/autori/flaviano-zandonai/"),
    ]
    # The seed gives the month of the original publication, not the day.
    original = " ".join(page.select_one(".post__original").get_text().split())
    assert original.endswith("di Investire, aprile 2020.")
    assert "1 aprile" not in original
    assert page.select_one(".post__hero .credit")["lang"] == "en"
    author = BeautifulSoup(client.get("/notizie/autori/giuseppe-bruno/").content, "html.parser")
    assert [a.get_text(strip=True) for a in author.select(".card__title a")] == [
        seed.ARTICLES[0]["title"]
    ]
    legal = page.select_one("footer .site-footer__legal")
    assert [a.get_text(strip=True) for a in legal.select("a")] == [
        "Informativa sulla privacy",
        "Dichiarazione di accessibilità",
    ]
    assert client.get(legal.select("a")[1]["href"]).status_code == 200
