"""The content made once for the fault suite, and what a reader and a member do with it.

A home, the news index, articles in two categories (one with an image and its rendition),
a webinar index with a webinar open for registration (three seats, with an image), and
the member organisation that owns ``cgm.coop``.
"""

import itertools
import re
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from registrations.models import MemberDomain, MemberOrganisation
from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
from tests.factories import (
    ArticlePageFactory,
    CategoryFactory,
    ImageFactory,
    build_site_tree,
    ensure_wagtail_root_rows,
)
from tests.faults import stack as s

SITEMAP_LOC = re.compile(r"<loc>([^<]+)</loc>")
_addresses = itertools.count(1)


def address(label: str) -> str:
    """A new member address for each journey (the per-address limits stay out of the way)."""
    return f"{label}.{next(_addresses)}@cgm.coop"


def article(tree, title: str, category, *, days_ago: int, **kw):
    return ArticlePageFactory(
        parent=tree.news_index,
        title=title,
        categories=[category],
        date=timezone.localdate() - timedelta(days=days_ago),
        **kw,
    )


def build_content(stack) -> SimpleNamespace:
    ensure_wagtail_root_rows()
    tree = build_site_tree(hostname=s.HOST, port=443)
    welfare = CategoryFactory(name="Welfare", slug="welfare", description="Welfare territoriale.")
    formazione = CategoryFactory(name="Formazione", slug="formazione", description="Formazione.")
    image = ImageFactory(title="Bambini al parco", description="Bambini che giocano in un parco")
    image.get_rendition("fill-640x360")
    organisation = MemberOrganisation.objects.create(name="Gruppo Cooperativo CGM", city="Milano")
    MemberDomain.objects.create(organisation=organisation, domain="cgm.coop")
    pictured = article(
        tree, "Welfare di comunità nei territori", welfare, days_ago=5, hero_image=image
    )
    article(tree, "Educare insieme alle famiglie", formazione, days_ago=6)
    webinar_index = WebinarIndexPageFactory(parent=tree.home)
    webinar = WebinarPageFactory(
        parent=webinar_index,
        title="Accogliere nei servizi educativi",
        capacity=3,
        categories=[formazione],
        hero_image=image,
        contact_email="segreteria.webinar@cgm.coop",
    )
    return SimpleNamespace(
        tree=tree,
        categories=[welfare, formazione],
        formazione=formazione,
        welfare=welfare,
        image=image,
        pictured=pictured,
        webinar=webinar,
        webinar_index=webinar_index,
        tokens={},
    )


def fault_article(stack, title: str, *, days_ago: int = 1):
    """An article, shown on the home page and in the listings, that a fault test changes."""
    return article(stack.content.tree, title, stack.content.formazione, days_ago=days_ago)


# What a member does ------------------------------------------------------------------

FORM = {
    "first_name": "Maria",
    "last_name": "Bianchi",
    "organisation": "Cooperativa Sociale La Rete",
    "role": "Educatrice",
    "privacy_consent": "on",
    "website": "",
}


def sign_up(stack, client, email: str):
    webinar = stack.content.webinar
    return client.post(f"/iscrizioni/webinar/{webinar.pk}/", {**FORM, "email": email})


def mail_link(stack, email: str, pattern: str, *, timeout: float = 60) -> str:
    """The link of ``pattern`` in the latest message to ``email`` that has one."""

    def found():
        for message in reversed(s.mail_to(stack.smtp, email)):
            link = s.link_in(message, pattern)
            if link:
                return link
        return None

    return s.wait_until(
        found, timeout=timeout, what=f"an e-mail to {email} with {pattern}", log=stack.logs
    )


def first_registration(stack) -> None:
    """A member signed up and confirmed through the site: the token pages the crawl visits
    (a used confirmation link, a cancellation link, the personal join link, «le mie»)."""
    client = stack.client()
    email = address("standing")
    answer = sign_up(stack, client, email)
    assert answer.status == 302, (answer.status, answer.text[:2000], stack.logs())
    confirm = mail_link(stack, email, s.CONFIRM)
    assert client.post(confirm, {}).status == 200
    stack.content.tokens["confirm"] = confirm
    stack.content.tokens["cancel"] = mail_link(stack, email, s.CANCEL)
    stack.content.tokens["join"] = mail_link(stack, email, s.JOIN)
    assert client.post("/iscrizioni/le-mie/", {"email": email}).status == 200
    stack.content.tokens["mine"] = mail_link(stack, email, s.MINE)
    stack.baseline = {answer.path: answer.status for answer in crawl(stack)}
    # A used confirmation link says so (409), the join link leads to Teams (302); every
    # other page is a 200.
    tokens = set(stack.content.tokens.values())
    assert {status for path, status in stack.baseline.items() if path not in tokens} == {200}
    assert max(stack.baseline.values()) < 500, stack.baseline


# What a reader sees --------------------------------------------------------------------


def public_paths(stack) -> list[str]:
    """Every URL of /sitemap.xml, then the listings, feeds, forms and token pages."""
    client = stack.client()
    paths = []
    index = client.get("/sitemap.xml")
    sections = (
        [s.path_of(url) for url in SITEMAP_LOC.findall(index.text)] if index.status == 200 else []
    )
    for section in sections:
        answer = client.get(section)
        if answer.status == 200:
            paths += [s.path_of(url) for url in SITEMAP_LOC.findall(answer.text)]
    content = stack.content
    webinar = content.webinar
    paths += ["/", "/notizie/", "/notizie/feed/", "/webinar/", "/webinar/calendario.ics"]
    for category in content.categories:
        paths += [
            f"/notizie/categoria/{category.slug}/",
            f"/notizie/categoria/{category.slug}/feed/",
        ]
    paths += [content.pictured.url, webinar.url, f"{webinar.url}calendario.ics"]
    paths += ["/cerca/?q=welfare", "/iscrizioni/le-mie/", "/sitemap.xml", "/robots.txt"]
    paths += sections
    paths += [content.tokens[name] for name in ("confirm", "cancel", "join", "mine")]
    return list(dict.fromkeys(paths))


def crawl(stack, paths=None) -> list:
    client = stack.client()
    return [client.get(path) for path in (paths or public_paths(stack))]


def server_errors(answers, *, allow_503: bool = False) -> list[tuple]:
    """Every 5xx, except a 503 with Retry-After where that is the documented answer."""
    bad = []
    for answer in answers:
        if 0 < answer.status < 500:  # 0: no answer at all
            continue
        if allow_503 and answer.status == 503 and answer.header("Retry-After"):
            continue
        bad.append((answer.path, answer.status, answer.header("Retry-After")))
    return bad


def unlike_baseline(stack, answers, *, allow_503: bool = False) -> list[tuple]:
    """Answers other than the healthy site's (a documented 503 apart, where allowed)."""
    return [
        (answer.path, answer.status, stack.baseline.get(answer.path))
        for answer in answers
        if answer.path in stack.baseline
        and answer.status != stack.baseline[answer.path]
        and not (allow_503 and answer.status == 503 and answer.header("Retry-After"))
    ]


def member_journey(stack, client, label: str) -> list:
    """Sign up, confirm from the e-mail, cancel from the invitation, ask for «le mie
    iscrizioni» and open its link; every answer, each checked against what it must be."""
    email = address(label)
    answers = []

    def expect(answer, status: int):
        answers.append(answer)
        assert answer.status == status, (
            f"{answer.path}: {answer.status}, expected {status}\n{answer.text[:1500]}"
        )
        return answer

    expect(sign_up(stack, client, email), 302)
    confirm = mail_link(stack, email, s.CONFIRM)
    expect(client.get(confirm), 200)
    expect(client.post(confirm, {}), 200)
    cancel = mail_link(stack, email, s.CANCEL)
    expect(client.get(cancel), 200)
    expect(client.post(cancel, {}), 200)
    expect(client.post("/iscrizioni/le-mie/", {"email": email}), 200)
    expect(client.get(mail_link(stack, email, s.MINE)), 200)
    return answers


def mail_settled(stack, *, timeout: float = 90) -> None:
    """Every message in the outbox sent, and received by the SMTP server: each once, but
    for the duplicates registrations/outbox.py allows (same Message-ID)."""
    from registrations.models import EmailMessage
    from registrations.outbox import stable_message_id

    def settled():
        return not EmailMessage.objects.exclude(status=EmailMessage.Status.SENT).exists()

    def pending() -> str:
        rows = EmailMessage.objects.exclude(status=EmailMessage.Status.SENT)
        listed = list(rows.values_list("pk", "to", "status", "attempts", "last_error"))
        return f"{listed}\n{stack.logs()}"

    s.wait_until(settled, timeout=timeout, what="every e-mail sent", log=pending)
    expected = {stable_message_id(row) for row in EmailMessage.objects.all()}

    def arrived():
        return expected <= set(stack.smtp.message_ids())

    s.wait_until(arrived, timeout=30, what="every e-mail received", log=pending)
    assert set(stack.smtp.message_ids()) == expected, "a message arrived that was never queued"
    assert s.duplicates(stack.smtp) <= stack.allowed_duplicates


def not_healthy(stack, answers, *, allow_503: bool = False) -> list[tuple]:
    """Pages answered otherwise than by the healthy site, and any other 5xx."""
    others = [answer for answer in answers if answer.path not in stack.baseline]
    return unlike_baseline(stack, answers, allow_503=allow_503) + server_errors(
        others, allow_503=allow_503
    )


def advance_clock(*, webinar_id: int | None = None) -> None:
    """What a minute does to the queues: retries put off until then are due now (the e-mail
    outbox's first retry, a Teams sync's), as cron's next run would find them."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from events.teams.models import TeamsMeeting
    from registrations.models import EmailMessage

    now = timezone.now()
    EmailMessage.objects.filter(status=EmailMessage.Status.QUEUED, send_after__gt=now).update(
        send_after=now
    )
    DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__gt=now).update(
        run_after=now
    )
    meetings = TeamsMeeting.objects.filter(next_attempt_at__gt=now)
    if webinar_id is not None:
        meetings = meetings.filter(webinar_id=webinar_id)
    meetings.update(next_attempt_at=now)
