"""The outside probes of the production stack: ``python bench/probes/run.py PROBE [...]``.

Run from the worktree with the stack of bench/probes/README.md up (nginx on 8300). Each
probe prints one JSON object per measurement; every loop is bounded.

  urls                       discover the public URLs into /tmp/probe/urls.json
  crawl [MODE] [LABEL]       front | origin | render, from 127.0.0.2-4 (3 addresses)
  silent-pages               each URL once (origin mode), one line per page with its time
  stale PATH WORDS...        the first request of PATH and the listings after a change
  db                         crawl front + render while PostgreSQL refuses; 503s checked
  signup N                   N sign-ups to the upcoming demo webinar (proodos.example)
  confirm                    open every confirmation link in the sink, once
  mailcount                  e-mails in the sink by recipient and subject (duplicates)
  body                       1 GB Content-Length to the sign-up form, front and gunicorn
  slowloris                  8 half-sent requests held on the front, 4 probes of /
  odd                        NUL in token paths, odd addresses, the token of a link
  timing N                   «Le mie iscrizioni» for a known and an unknown address
"""

import base64
import binascii
import json
import re
import socket
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import web

ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
URLS = web.STATE / "urls.json"
WEBINAR = "/webinar/webinar-di-prova-iscrizioni/"


def out(label, value):
    print(json.dumps({"probe": label, **value}, ensure_ascii=False), flush=True)


def urls() -> list[str]:
    return json.loads(URLS.read_text())


def cmd_urls():
    found = web.discover(web.Client("127.0.0.2"))
    URLS.write_text(json.dumps(found, indent=1))
    out("urls", {"count": len(found), "urls": found})


def cmd_crawl(mode="front", label="crawl"):
    start = time.monotonic()
    answers = web.crawl(urls(), ADDRESSES, mode=mode)
    result = web.summary(answers)
    result["seconds"] = round(time.monotonic() - start, 1)
    bad = [
        f"{a.status} {a.path} {a.headers.get('error', '')}"
        for a in answers
        if a.status >= 500 or a.status == 0
    ]
    result["5xx"] = bad[:20]
    slow = sorted(answers, key=lambda a: -a.seconds)[:3]
    result["slowest"] = [f"{a.path} {a.seconds * 1000:.0f}ms" for a in slow]
    out(f"{label}:{mode}", result)


def cmd_silent_pages():
    """One request per page (Varnish bypassed by a parameter), one line each."""
    client = web.Client("127.0.0.5")
    stamp = int(time.time())
    rows = []
    for n, url in enumerate(urls()):
        answer = client.get(web.bust(url, stamp * 1000 + n), timeout=20)
        rows.append(answer)
        print(f"{answer.status} {answer.seconds * 1000:7.0f} ms {url}", flush=True)
    out("silent-pages", web.summary(rows))


def cmd_stale(path, title, *extra):
    """After an unpublish: the article 404 at once, and no listing names it (its path or
    its title). The first request of each URL is the one that counts."""
    client = web.Client("127.0.0.6")
    word = max(title.split(), key=len)
    checks = [
        path,
        "/",
        "/notizie/",
        "/notizie/feed/",
        f"/cerca/?q={word}",
        "/sitemap-pages.xml",
        *extra,
    ]
    rows = []
    for url in checks:
        answer = client.get(url)
        stale = (
            answer.status != 404 if url == path else (path in answer.text or title in answer.text)
        )
        rows.append(
            {
                "url": url,
                "status": answer.status,
                "ms": round(answer.seconds * 1000),
                "front": answer.headers.get("x-front-cache"),
                "page": answer.headers.get("x-page-cache"),
                "stale": stale,
            }
        )
    # Then each URL ten more times past Varnish (a parameter it does not strip), so that
    # every gunicorn worker, the ones that never saw the outage too, answers from its cache.
    later = Counter()
    for n in range(10):
        for url in checks:
            answer = client.get(web.bust(url, int(time.time() * 1000) * 100 + n))
            stale = (
                answer.status != 404
                if url == path
                else (path in answer.text or title in answer.text)
            )
            later[(url, answer.headers.get("x-page-cache"), stale)] += 1
    stale_later = sum(c for (_, _, stale), c in later.items() if stale)
    out(
        "stale",
        {
            "stale_pages": sum(r["stale"] for r in rows),
            "stale_in_10_rounds_past_varnish": stale_later,
            "rounds_page_cache": dict(Counter(k[1] for k in later.elements())),
            "rows": rows,
        },
    )


def cmd_db():
    start = time.monotonic()
    answers = []
    for mode in ("front", "origin", "render"):
        answers += [(mode, a) for a in web.crawl(urls()[:12], ADDRESSES[:1], mode=mode)]
    for mode, answer in answers:
        if answer.status not in (200, 301, 302, 404):
            italian = "non" in answer.text and 'lang="it"' in answer.text
            retry = answer.headers.get("retry-after")
            print(
                f"{mode:6} {answer.status} {answer.path} retry-after={retry} "
                f"cache-control={answer.headers.get('cache-control')} "
                f"italian={italian} "
                f"body={answer.text[:80]!r}",
                flush=True,
            )
    by_mode = {
        m: web.summary([a for mm, a in answers if mm == m]) for m in ("front", "origin", "render")
    }
    plain500 = [a.path for _, a in answers if a.status == 500]
    no_retry = [a.path for _, a in answers if a.status == 503 and "retry-after" not in a.headers]
    # The forms too: a sign-up POST and «le mie iscrizioni».
    client = web.Client("127.0.0.7")
    token = client.csrf()
    forms = [
        client.post_form(
            "/iscrizioni/le-mie/", {"csrfmiddlewaretoken": token, "email": "x@proodos.example"}
        ),
    ]
    for answer in forms:
        retry = answer.headers.get("retry-after")
        print(f"form {answer.status} retry-after={retry} {answer.text[:120]!r}")
    out(
        "db",
        {
            "by_mode": by_mode,
            "plain_500": plain500,
            "503_without_retry_after": no_retry,
            "csrf_token_got": bool(token) and len(token) < 100,
            "form_statuses": [a.status for a in forms],
            "seconds": round(time.monotonic() - start, 1),
        },
    )


def webinar_id(client) -> int:
    page = client.get(WEBINAR).text
    return int(re.search(r'action="/iscrizioni/webinar/(\d+)/"', page).group(1))


def cmd_signup(count="10", prefix="probe"):
    client = web.Client("127.0.0.8")
    number = webinar_id(client)
    statuses = Counter()
    for n in range(int(count)):
        visitor = web.Client(f"127.0.1.{n + 1}")
        token = visitor.csrf()
        answer = visitor.post_form(
            f"/iscrizioni/webinar/{number}/",
            {
                "csrfmiddlewaretoken": token,
                "first_name": "Prova",
                "last_name": f"Sonda{n}",
                "email": f"{prefix}{n}@proodos.example",
                "organisation": "Consorzio Proodos",
                "role": "",
                "privacy_consent": "on",
                "website": "",
            },
            referer=f"http://127.0.0.1:{web.PORT}{WEBINAR}",
        )
        statuses[answer.status] += 1
        if answer.status not in (302, 303):
            print(answer.status, answer.text[:300])
    out("signup", {"webinar": number, "statuses": dict(statuses), "sent": int(count)})


def links(kind: str):
    found = {}
    for path in web.mails():
        text = web.mail_text(path)
        for link in re.findall(r"https?://\S+", text):
            if f"/{kind}/" in link:
                found.setdefault(link.rstrip(".,)>"), path.name)
    return found


def cmd_confirm():
    """Open each confirmation link (GET shows a button; POST it with its token)."""
    results = Counter()
    for n, link in enumerate(links("conferma")):
        path = web.local(link)
        client = web.Client(f"127.0.2.{n + 1}")
        page = client.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status == 200 and token:
            answer = client.post_form(path, {"csrfmiddlewaretoken": token.group(1)})
            results[f"GET {page.status} POST {answer.status}"] += 1
        else:
            results[f"GET {page.status}"] += 1
    out("confirm", {"results": dict(results)})


def cmd_mailcount(prefix="probe"):
    subjects = Counter()
    for path in web.mails():
        text = web.mail_text(path)
        to = text.split("\n", 1)[0][4:]
        if prefix and prefix not in to:
            continue
        subject = text.split("\n", 2)[1][9:]
        subjects[(to, subject)] += 1
    rows = [{"to": to, "subject": s, "count": c} for (to, s), c in sorted(subjects.items())]
    kinds = Counter(s for (_, s) in subjects)
    out(
        "mailcount",
        {
            "messages": sum(subjects.values()),
            "recipients": len({to for to, _ in subjects}),
            "by_subject": dict(kinds),
            "duplicates": [r for r in rows if r["count"] > 1],
        },
    )


def big_post(port, path, send_body, cap=256 * 1024 * 1024, seconds=15.0):
    """A POST announcing 1 GB: the time to the first byte of the answer, its status line,
    and how much of the body the server took (at most ``cap`` bytes are ever sent)."""
    sock = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.9", 0))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{web.PORT}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {1024**3}\r\n\r\n"
    ).encode()
    start = time.perf_counter()
    sock.sendall(head)
    seen = {}
    done = threading.Event()

    def reader():
        sock.settimeout(seconds)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                seen.setdefault("first_byte_ms", round((time.perf_counter() - start) * 1000, 1))
                data += chunk
        except OSError as error:
            seen["error"] = repr(error)
        seen["status_line"] = data.split(b"\r\n", 1)[0].decode(errors="replace")
        done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    sent = 0
    if send_body:
        chunk = b"a" * 65536
        while sent < cap and time.perf_counter() - start < seconds:
            try:
                sock.sendall(chunk)
            except OSError as error:
                seen["send_stopped"] = type(error).__name__
                break
            sent += len(chunk)
    thread.join(seconds + 5)
    sock.close()
    return {
        "to": port,
        "path": path,
        "body": send_body,
        **seen,
        "body_bytes_taken": sent,
        "total_ms": round((time.perf_counter() - start) * 1000),
    }


def cmd_body():
    number = webinar_id(web.Client("127.0.0.9"))
    for port in (web.PORT, web.PORT + 1):
        for path in (f"/iscrizioni/webinar/{number}/", "/iscrizioni/le-mie/"):
            for send_body in (False, True):
                out("body", big_post(port, path, send_body))


def cmd_slowloris(holders="8", probes="4", hold="25"):
    """Half-sent requests held on the front, half still in their headers, half in their
    body (a byte every 2 s), while / is probed (cached, and past Varnish); then how long
    nginx kept each holder and what it answered."""
    socks = []
    started = time.monotonic()
    for n in range(int(holders)):
        sock = socket.create_connection(
            ("127.0.0.1", web.PORT), timeout=5, source_address=(f"127.0.3.{n + 1}", 0)
        )
        head = b"POST /iscrizioni/le-mie/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
        if n % 2:
            head += b"Content-Type: application/x-www-form-urlencoded\r\n\r\nemail="
        sock.sendall(head)
        socks.append(
            {
                "sock": sock,
                "stage": "body" if n % 2 else "headers",
                "closed_after": None,
                "got": b"",
            }
        )
    stop = threading.Event()

    def drip():
        while not stop.wait(2):
            for holder in socks:
                if holder["closed_after"] is not None:
                    continue
                try:
                    holder["sock"].sendall(b"a" if holder["stage"] == "body" else b"X-a: b\r\n")
                except OSError:
                    holder["closed_after"] = round(time.monotonic() - started, 1)

    def watch(holder):
        holder["sock"].settimeout(float(hold) + 5)
        try:
            while data := holder["sock"].recv(4096):
                holder["got"] += data
        except OSError:
            pass
        if holder["closed_after"] is None:
            holder["closed_after"] = round(time.monotonic() - started, 1)

    threading.Thread(target=drip, daemon=True).start()
    watchers = [threading.Thread(target=watch, args=(h,), daemon=True) for h in socks]
    for thread in watchers:
        thread.start()
    time.sleep(1)
    rows = []
    for n in range(int(probes)):
        rows.append(web.Client(f"127.0.4.{n + 1}").get("/", timeout=5))
        rows.append(
            web.Client(f"127.0.4.{n + 1}").get(web.bust("/", int(time.time() * 1000)), timeout=5)
        )
        time.sleep(1)
    deadline = started + float(hold)
    while time.monotonic() < deadline and any(h["closed_after"] is None for h in socks):
        time.sleep(0.5)
    stop.set()
    for holder in socks:
        holder["sock"].close()
    cached = rows[0::2]
    uncached = rows[1::2]
    out(
        "slowloris",
        {
            "holders": int(holders),
            "probes_of_/": len(cached),
            "answered_within_5s": sum(1 for a in cached if a.status == 200 and a.seconds < 5),
            "probes_past_varnish": len(uncached),
            "past_varnish_within_5s": sum(1 for a in uncached if a.status == 200 and a.seconds < 5),
            "probe_ms": [round(a.seconds * 1000) for a in rows],
            "holders_closed_after_s": {h["stage"]: [] for h in socks}
            | {
                stage: [h["closed_after"] for h in socks if h["stage"] == stage]
                for stage in ("headers", "body")
            },
            "holders_answer": sorted(
                {h["got"].split(b"\r\n", 1)[0].decode(errors="replace") for h in socks}
            ),
        },
    )


def cmd_odd():
    rows = []
    client = web.Client("127.0.0.10")
    for path in (
        "/webinar/entra/x%00/",
        "/attestati/x%00/",
        "/iscrizioni/le-mie/x%00/",
        "/iscrizioni/conferma/x%00/",
        "/iscrizioni/annulla/%00/",
        "/%00",
        "/cerca/?q=%00",
    ):
        answer = client.get(path)
        direct = web.Client("127.0.0.10", port=web.PORT + 1).get(path)
        rows.append(
            {
                "path": path,
                "status": answer.status,
                "gunicorn_status": direct.status,
                "server": answer.headers.get("server"),
                "body": answer.text[:60],
            }
        )
    for address in (
        "a@[127.0.0.1]",
        "a@xn--zz.com",
        "a@proodos.example\r\nBcc: x@y.z",
        "A@CGM.COOP",
    ):
        visitor = web.Client("127.0.0.11")
        token = visitor.csrf()
        answer = visitor.post_form(
            "/iscrizioni/le-mie/", {"csrfmiddlewaretoken": token, "email": address}
        )
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', answer.text)
        rows.append({"post_le_mie": address, "status": answer.status, "errors": errors[:3]})
    out("odd", {"rows": rows})


def cmd_token(link):
    """What a «le mie iscrizioni» token reveals, decoded."""
    token = web.local(link).rstrip("/").split("/")[-1]
    parts = re.split(r"[:.]", token)
    decoded = []
    for part in parts:
        for pad in ("", "=", "=="):
            try:
                raw = base64.urlsafe_b64decode(part + pad)
                decoded.append({"part": part, "decoded": raw.decode("utf-8", "replace")[:200]})
                break
            except (binascii.Error, ValueError):
                continue
        else:
            decoded.append({"part": part, "decoded": None})
    out("token", {"token_length": len(token), "parts": decoded})


def cmd_timing(rounds="30", known="chiara.colombo@cgm.coop", unknown="nessuno.qui@cgm.coop"):
    results = {"known": [], "unknown": []}
    statuses = Counter()
    for n in range(int(rounds)):
        for kind, address in (("known", known), ("unknown", unknown)):
            visitor = web.Client(f"127.0.5.{(n % 200) + 1}")
            token = visitor.csrf()
            answer = visitor.post_form(
                "/iscrizioni/le-mie/", {"csrfmiddlewaretoken": token, "email": address}
            )
            statuses[(kind, answer.status)] += 1
            results[kind].append(answer.seconds)
    out(
        "timing",
        {
            "statuses": {f"{k} {s}": c for (k, s), c in statuses.items()},
            **{f"{k}_p50_ms": round(1000 * statistics.median(v), 1) for k, v in results.items()},
            **{f"{k}_p95_ms": round(1000 * web.percentile(v, 0.95), 1) for k, v in results.items()},
        },
    )


def cmd_logs(*files):
    """Every token of the e-mails in the sink: is any written in clear in the logs? Then
    the same «le mie iscrizioni» token requested as a client might mangle it."""
    tokens = set()
    mine = []
    pattern = r"/(conferma|annulla|le-mie|entra|richiedi-accesso|attestati)/([^/\s]{10,})/"
    for path in web.mails():
        for link in re.findall(r"https?://\S+", web.mail_text(path)):
            if match := re.search(pattern, link):
                tokens.add(match.group(2))
                # The variants below are of a «le mie iscrizioni» link (a webinar's
                # /webinar/entra/ token has no colon either, and is not one).
                if match.group(1) == "le-mie":
                    mine.append(match.group(2))
    variants = {}
    if mine:
        token = mine[0]
        client = web.Client("127.0.0.12")
        for shape in (
            "/iscrizioni/le-mie/{}/",
            "/iscrizioni/le-mie/{}",
            "/iscrizioni//le-mie/{}/",
            "//iscrizioni//le-mie/{}/",
            "/iscrizioni/./le-mie/{}/",
            "/Iscrizioni/le-mie/{}/",
            "/iscrizioni/le-mie/{}/?utm_source=mail",
            "/iscrizioni/le-mie/{}%2F",
        ):
            variants[shape] = client.get(shape.format(token)).status
    leaks = {}
    for name in files or ("var/front/access.log", "var/front/nginx-error.log"):
        try:
            text = Path(name).read_text(errors="replace")
        except FileNotFoundError:
            continue
        found = [t for t in tokens if t in text or t.split(":")[0] in text]
        leaks[name] = {"tokens_in_clear": len(found), "lines": []}
        for line in text.splitlines():
            if any(t in line for t in found):
                leaks[name]["lines"].append(line[:160])
        leaks[name]["lines"] = leaks[name]["lines"][:5]
    out("logs", {"tokens_checked": len(tokens), "variants_status": variants, "leaks": leaks})


def main():
    name, *args = sys.argv[1:]
    globals()[f"cmd_{name.replace('-', '_')}"](*args)


if __name__ == "__main__":
    main()
