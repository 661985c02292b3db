"""A sign-up burst: 1,000 people register for 100 seats at once, then confirm, over HTTP.

Builds a small site (``bench/news.py``'s ``build``) in a throwaway PostgreSQL database
``bench_burst_<pid>`` with one members-only webinar a month ahead with 100 seats, and a
member registry of 1,000 addresses (half covered by a member organisation's domain, half
on the allow-list on a public provider's domain). Starts the production stack as
``bench/stack.py`` does (gunicorn with ``gunicorn.conf.py``, ``TRUSTED_PROXY_COUNT=1``)
with e-mail workers (``manage.py db_worker --backend email``) sending to a real SMTP
server in this process (``tests/registrations/smtpd.py``, aiosmtpd).

Each of the 1,000 people is a browser of its own behind the TLS proxy, with its own
address in ``X-Forwarded-For``: it opens the webinar page, fetches its CSRF token as the
page's script does (``data-csrf-url``), sends the form and opens the "check your inbox"
page, all 1,000 at once (a thread pool). Then each takes the confirmation link from the
e-mail the SMTP server received, opens it and presses the button, all at once again.

It prints throughput and latency of both phases and fails (exit 1) unless exactly 100
are confirmed and 900 waitlisted with positions 1..900 in the order of confirmation,
with no duplicate registration, no 5xx and no 429 answer, and every e-mail (a
confirmation link each, then an invitation or a waiting-list notice) received exactly
once.

    make bench-burst
    make bench-burst BENCH_ARGS="--people 300 --seats 30 --email-workers 1"
"""

import argparse
import http.client
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import (
    BIN,
    POSTGRES,
    Process,
    ThrowawayDatabase,
    check_port_free,
    collectstatic,
    flush_redis,
    gunicorn_config,
    install_signal_handlers,
    load,
    log_findings,
    print_header,
    production_env,
    start_gunicorn,
    tear_down,
)

FORM_ACTION = re.compile(r'<form method="post" action="(/iscrizioni/webinar/\d+/)"')
CSRF_URL = re.compile(r'data-csrf-url="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CONFIRM_LINK = re.compile(r"https?://\S+/iscrizioni/conferma/[^/\s]+/")
OUTBOX_ID = re.compile(r"<outbox\.(\d+)\.")
DOMAINS = 10  # member organisations whose domain covers half the addresses


@dataclass
class Browser:
    """One person's browser behind the proxy: its own address and its own cookies."""

    port: int
    address: str
    cookies: dict = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, headers, text, milliseconds) of one request, on a connection of its own."""
        origin = f"https://127.0.0.1:{self.port}"
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            # What the TLS proxy in front (TRUSTED_PROXY_COUNT=1) adds: the client's address.
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "User-Agent": "bench-burst",
            "Accept-Language": "it",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = origin
            headers["Referer"] = origin + path
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.statuses[response.status] += 1
        return response.status, response.headers, text, elapsed


@dataclass
class Person:
    index: int
    email: str
    browser: Browser
    timings: dict = field(default_factory=dict)
    problem: str = ""
    confirm_answer: str = ""


def person_email(index: int) -> str:
    if index % 2:
        return f"persona{index}@coop{index % DOMAINS}.bench.example"
    return f"persona{index}@posta.bench.example"  # a public provider: on the allow-list


def client_address(index: int) -> str:
    return f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 + 1}"


def build_site(args):
    """Home, news, the webinar index and the one webinar; the member registry."""
    from django.core.management import call_command
    from django.utils import timezone

    from bench import news
    from events.models import WebinarPage
    from registrations.models import AllowedAddress, MemberDomain, MemberOrganisation

    call_command("migrate", verbosity=0)
    _category, _article, webinar = news.build(20)
    start = (timezone.now() + timedelta(days=30)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    WebinarPage.objects.filter(pk=webinar.pk).update(
        start=start,
        end=start + timedelta(minutes=90),
        capacity=args.seats,
        members_only=True,
        registration_opens_at=None,
        registration_closes_at=None,
    )
    organisations = [
        MemberOrganisation.objects.create(name=f"Cooperativa {n}", city="Brescia")
        for n in range(DOMAINS)
    ]
    for n, organisation in enumerate(organisations):
        MemberDomain.objects.create(organisation=organisation, domain=f"coop{n}.bench.example")
    AllowedAddress.objects.bulk_create(
        AllowedAddress(email=person_email(i), organisation=organisations[i % DOMAINS])
        for i in range(args.people)
        if not i % 2
    )
    return WebinarPage.objects.get(pk=webinar.pk)


def sign_up(person: Person, webinar_path: str, go: threading.Event) -> None:
    """What the webinar page's form does in a browser, from opening the page."""
    go.wait()
    browser = person.browser
    started = time.perf_counter()
    status, _headers, page, person.timings["page"] = browser.request("GET", webinar_path)
    action, csrf_url = FORM_ACTION.search(page), CSRF_URL.search(page)
    if status != 200 or not action or not csrf_url:
        person.problem = f"webinar page: HTTP {status}, form found: {bool(action)}"
        return
    status, _headers, text, person.timings["csrf"] = browser.request("GET", csrf_url.group(1))
    if status != 200:
        person.problem = f"CSRF token: HTTP {status}"
        return
    form = {
        "csrfmiddlewaretoken": json.loads(text)["token"],
        "first_name": "Persona",
        "last_name": f"Numero {person.index}",
        "email": person.email,
        "organisation": f"Cooperativa {person.index % DOMAINS}",
        "role": "Educatrice",
        "privacy_consent": "on",
        "website": "",
    }
    status, headers, _text, person.timings["post"] = browser.request("POST", action.group(1), form)
    location = headers.get("Location", "")
    if status != 302 or "/controlla-la-posta/" not in location:
        person.problem = f"sign-up: HTTP {status} {location}"
        return
    status, _headers, _text, person.timings["inbox"] = browser.request(
        "GET", urlsplit(location).path
    )
    if status != 200:
        person.problem = f"check-inbox page: HTTP {status}"
    person.timings["total"] = (time.perf_counter() - started) * 1000


def confirm(person: Person, link: str, go: threading.Event) -> None:
    """Open the link from the e-mail, press "Confirm my registration"."""
    go.wait()
    browser = person.browser
    path = urlsplit(link).path
    started = time.perf_counter()
    status, _headers, page, person.timings["ask"] = browser.request("GET", path)
    token = CSRF_INPUT.search(page)
    if status != 200 or not token:
        person.problem = f"confirmation page: HTTP {status}"
        return
    status, _headers, page, person.timings["confirm"] = browser.request(
        "POST", path, {"csrfmiddlewaretoken": token.group(1)}
    )
    if status != 200:
        person.problem = f"confirmation: HTTP {status}"
        return
    person.confirm_answer = page
    person.timings["total confirm"] = (time.perf_counter() - started) * 1000


def run_phase(people: list[Person], work, threads: int) -> float:
    """Everyone at once (as many at a time as ``threads``); the phase's seconds."""
    go = threading.Event()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(work, person, go) for person in people]
        time.sleep(0.5)  # let the threads start, then open the gates together
        started = time.perf_counter()
        go.set()
        for future in futures:
            future.result()
    return time.perf_counter() - started


def wait_for_mail(server, count: int, timeout: float) -> float:
    """Seconds until the SMTP server has received ``count`` messages."""
    started = time.perf_counter()
    while len(server.received) < count:
        if time.perf_counter() - started > timeout:
            break
        time.sleep(0.1)
    return time.perf_counter() - started


def percentiles(values: list[float]) -> str:
    if not values:
        return "–"
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"p50 {statistics.median(values):,.0f} ms, p99 {p99:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--threads", type=int, help="client threads (default: --people)")
    parser.add_argument("--workers", type=int, help="gunicorn; default gunicorn.conf.py's")
    parser.add_argument("--email-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8725, help="site; +2 the SMTP server")
    parser.add_argument("--postgres", default=POSTGRES, help=f"server (default {POSTGRES})")
    parser.add_argument("--mail-timeout", type=float, default=300, help="seconds (default 300)")
    parser.add_argument(
        "--settle", type=float, default=5, help="seconds to wait for late duplicates (5)"
    )
    args = parser.parse_args()
    if not 0 < args.seats <= args.people:
        parser.error("--seats must be between 1 and --people")
    if args.email_workers < 1:
        parser.error("--email-workers must be at least 1")

    print_header(sys.argv)
    install_signal_handlers()
    from tests.registrations.smtpd import SMTPServer

    database = ThrowawayDatabase(f"bench_burst_{os.getpid()}", args.postgres)
    workdir = Path(tempfile.mkdtemp(prefix="bench_burst_"))
    processes = []
    smtp = SMTPServer()
    smtp.port = args.port + 2
    failures = []
    try:
        check_port_free(smtp.port)
        smtp.start()
        database.create()
        print(f"Database: {database.name}; SMTP server on port {smtp.port}", flush=True)
        env = production_env(
            database_url=database.url,
            port=args.port,
            email_port=smtp.port,
            media_root=str(workdir / "media"),
        )
        env["TRUSTED_PROXY_COUNT"] = "1"
        # One log line per confirmation with the time it held the webinar's lock.
        env["LOCK_TIMING_LOG_LEVEL"] = "INFO"
        os.environ.update(env)
        collectstatic(env)
        flush_redis()
        webinar = build_site(args)
        config = gunicorn_config(env)
        workers = args.workers or int(config["workers"])
        flush_redis()
        site = start_gunicorn(
            "site", env, args.port, workers, workdir / "site.log", probe=webinar.url
        )
        processes.append(site)
        for n in range(args.email_workers):
            command = [str(BIN / "python"), "manage.py", "db_worker", "--backend", "email"]
            processes.append(
                Process(f"e-mail worker {n + 1}", command, env, workdir / f"worker{n + 1}.log")
            )
        print(f"{args.email_workers} × {' '.join(command[1:])}", flush=True)
        failures = burst(args, webinar, smtp, workers, config, site)
        for process in processes:
            findings = log_findings(process)
            if findings:
                failures.append(f"{process.name} log: {len(findings)} error lines")
                print(f"{process.name} log, first error lines:")
                for finding in findings[:10]:
                    print(f"  {finding}")
    finally:
        try:
            tear_down(processes, database, workdir)
        finally:
            smtp.stop()
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        raise SystemExit(1)
    print("\nPASSED: every check above held.")


LOCK_HELD = re.compile(r"lock held ([0-9.]+) ms, cpu ([0-9.]+) ms \(confirm\)")


def lock_hold_line(site, phase_seconds: float) -> str:
    """The webinar lock's hold time per confirmation, from the site's log
    (``registrations.lock_timing``): wall-clock percentiles, the share of the phase it
    was held, and the web process's own CPU time in it (apart from waiting)."""
    found = LOCK_HELD.findall(site.log_text())
    if not found:
        return "webinar lock held: no timings in the site's log"
    held = [float(wall) for wall, _cpu in found]
    cpu = [float(cpu) for _wall, cpu in found]
    busy = sum(held) / 1000 / phase_seconds if phase_seconds else 0
    return (
        f"webinar lock held per confirmation {percentiles(held)} ({len(held)} timed; "
        f"held {sum(held) / 1000:.1f} s in all, {busy:.0%} of the phase); "
        f"CPU of the web process in it {percentiles(cpu)}"
    )


def burst(args, webinar, smtp, workers, config, site) -> list[str]:
    from registrations.models import EmailMessage, Registration

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command

    people = [
        Person(i, person_email(i), Browser(args.port, client_address(i)))
        for i in range(args.people)
    ]
    threads = args.threads or args.people
    print(
        f"\n{args.people} people, {args.seats} seats, {threads} client threads; gunicorn "
        f"{workers} workers ({config.get('worker_class')}, preload_app "
        f"{config.get('preload_app')}); load {load()}",
        flush=True,
    )

    # Phase 1: everyone signs up at once.
    signup_seconds = run_phase(people, lambda person, go: sign_up(person, webinar.url, go), threads)
    statuses_signup = sum((person.browser.statuses for person in people), Counter())
    mail_seconds = signup_seconds + wait_for_mail(smtp, args.people, args.mail_timeout)
    confirmations = {}
    for rcpts, message in list(smtp.received):
        body = message.get_body(preferencelist=("plain",)).get_content()
        found = CONFIRM_LINK.search(body)
        if found:
            confirmations.setdefault(rcpts[0].lower(), found.group(0))
    load_signup = load()

    # Phase 2: everyone follows the link in their e-mail at once.
    for person in people:
        person.browser.statuses = Counter()
    with_link = [person for person in people if person.email in confirmations]
    confirm_seconds = run_phase(
        with_link, lambda person, go: confirm(person, confirmations[person.email], go), threads
    )
    statuses_confirm = sum((person.browser.statuses for person in people), Counter())
    expected_mail = args.people + len(with_link)
    mail_seconds_2 = confirm_seconds + wait_for_mail(smtp, expected_mail, args.mail_timeout)
    time.sleep(args.settle)  # a message sent twice arrives late, if at all
    load_confirm = load()

    # What the site recorded and what the SMTP server received.
    registrations = list(
        Registration.objects.filter(webinar_id=webinar.pk).order_by("confirmed_at", "pk")
    )
    confirmed = [r for r in registrations if r.status == Registration.Status.CONFIRMED]
    waitlisted = [r for r in registrations if r.status == Registration.Status.WAITLISTED]
    # Seats go to the first to confirm, then places 1, 2, … in the order of confirmation.
    first, rest = registrations[: args.seats], registrations[args.seats :]
    in_order = all(r.status == Registration.Status.CONFIRMED for r in first) and [
        (r.status, r.waitlist_position) for r in rest
    ] == [(Registration.Status.WAITLISTED, n) for n in range(1, len(rest) + 1)]
    duplicates = len(registrations) - len({r.email for r in registrations})
    kinds = dict(EmailMessage.objects.values_list("pk", "kind"))
    received = Counter()
    unknown = 0
    for rcpts, message in smtp.received:
        found = OUTBOX_ID.search(message["Message-ID"] or "")
        kind = kinds.get(int(found.group(1))) if found else None
        if kind is None:
            unknown += 1
        for rcpt in rcpts:
            received[(rcpt.lower(), kind)] += 1
    expected = {(p.email, EmailMessage.Kind.CONFIRMATION) for p in people}
    expected |= {(r.email, EmailMessage.Kind.INVITATION) for r in confirmed}
    expected |= {(r.email, EmailMessage.Kind.WAITLISTED) for r in waitlisted}
    missing = [key for key in expected if received[key] == 0]
    twice = [key for key, n in received.items() if n > 1]
    unexpected = [key for key in received if key not in expected]
    outbox = Counter(EmailMessage.objects.values_list("status", flat=True))
    problems = Counter(person.problem.split(":")[0] for person in people if person.problem)

    def timing(name):
        return percentiles([p.timings[name] for p in people if name in p.timings])

    def status_line(statuses):
        return ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))

    print(
        f"\nSign-up ({args.people} at once, 4 requests each):\n"
        f"  {args.people / signup_seconds:,.1f} sign-ups/s ({signup_seconds:.1f} s), "
        f"{4 * args.people / signup_seconds:,.1f} requests/s\n"
        f"  webinar page {timing('page')}; CSRF token {timing('csrf')}; "
        f"form POST {timing('post')}; check-inbox page {timing('inbox')}\n"
        f"  whole sign-up {timing('total')}\n"
        f"  answers {status_line(statuses_signup)}; load {load_signup}\n"
        f"  {len(confirmations)} confirmation e-mails received {mail_seconds:.1f} s after "
        f"the first sign-up"
    )
    print(
        f"\nConfirmation ({len(with_link)} at once, 2 requests each):\n"
        f"  {len(with_link) / confirm_seconds:,.1f} confirmations/s ({confirm_seconds:.1f} s), "
        f"{2 * len(with_link) / confirm_seconds:,.1f} requests/s\n"
        f"  confirmation page {timing('ask')}; confirm POST {timing('confirm')}\n"
        f"  {lock_hold_line(site, confirm_seconds)}\n"
        f"  whole confirmation {timing('total confirm')}\n"
        f"  answers {status_line(statuses_confirm)}; load {load_confirm}\n"
        f"  {len(smtp.received) - args.people} invitations and waiting-list notices received "
        f"{mail_seconds_2:.1f} s after the first confirmation"
    )
    print(
        f"\nRegistrations: {len(registrations)}; confirmed {len(confirmed)}, waitlisted "
        f"{len(waitlisted)}, other "
        f"{len(registrations) - len(confirmed) - len(waitlisted)}; duplicates {duplicates}; "
        f"seats and waiting-list positions in confirmation order: {'yes' if in_order else 'no'}"
    )
    print(
        f"E-mail: {len(smtp.received)} received by the SMTP server, {len(expected)} expected; "
        f"missing {len(missing)}, received more than once {len(twice)}, unexpected "
        f"{len(unexpected)} ({unknown} not from the outbox); outbox rows {dict(outbox)}"
    )
    if problems:
        print(f"People who could not finish: {dict(problems)}")
        print(f"  first: {next(p.problem for p in people if p.problem)}")

    statuses = statuses_signup + statuses_confirm
    checks = {
        f"exactly {args.seats} confirmed": len(confirmed) == args.seats,
        f"exactly {args.people - args.seats} waitlisted": (
            len(waitlisted) == args.people - args.seats
        ),
        "positions 1.. in confirmation order": in_order,
        "0 duplicate registrations": duplicates == 0 and len(registrations) == args.people,
        "0 server errors (5xx)": not any(code >= 500 for code in statuses),
        "0 rate-limit refusals (429)": statuses[429] == 0,
        "every person finished both phases": not problems,
        "every e-mail received exactly once": not (missing or twice or unexpected or unknown),
    }
    print()
    for name, ok in checks.items():
        print(f"  {'pass' if ok else 'FAIL'}  {name}")
    return [name for name, ok in checks.items() if not ok]


if __name__ == "__main__":
    main()
