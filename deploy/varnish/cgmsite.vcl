vcl 4.1;
# cgmsite's HTTP cache, between nginx and gunicorn: nginx -> Varnish -> gunicorn.
# (Checked with Debian 12's Varnish 7.1.) docs/deploy.md says how it runs; `make serve-prod`
# runs this file with the backend's port replaced.
#
# It keeps exactly what the site's own page cache keeps (cgmsite/page_cache.py), and no
# longer: the site marks those answers "public, s-maxage=N" (and nothing else), and N never
# runs past the next moment a page changes by itself (a webinar's registration opening…).
# The site purges it through Wagtail's frontend cache (FRONTEND_CACHE_VARNISH_URL): PURGE
# requests for the same paths, from the same code (cgmsite/cache_map.py), as its own cache.

# gunicorn, on its private address (GUNICORN_BIND).
backend gunicorn {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 5s;
    # gunicorn kills a request after 30 s (gunicorn.conf.py's timeout): wait a little more.
    .first_byte_timeout = 35s;
    .between_bytes_timeout = 35s;
}

# Who may purge: the web machines that run the site (their publish, unpublish, sign-ups).
# Add their private addresses when Varnish serves several machines.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        # nginx refuses PURGE from the public. Varnish has appended the sender's address to
        # X-Forwarded-For: a second entry means a proxy sent it on (nginx always sets the
        # header), whatever its own address; the site's purges come straight here.
        if (!client.ip ~ purgers || req.http.X-Forwarded-For ~ ",") {
            return (synth(405, "Not allowed"));
        }
        # A change shown on every page (a category, the settings, an image): everything.
        if (req.url == "/*") {
            ban("obj.status != 0");
            return (synth(200, "Purged"));
        }
        # Every stored answer of this path, whatever its query string and host: as the
        # site's own purge (one version per path), and Wagtail sends the Host of the
        # Site's root URL, which need not be the one readers typed.
        ban("obj.http.x-cgmsite-path == " + regsub(req.url, "\?.*$", ""));
        return (synth(200, "Purged"));
    }

    # Varnish has just appended nginx's address to X-Forwarded-For: taken back, so that
    # the site finds the client where TRUSTED_PROXY_COUNT=1 says (nginx appends it, and
    # nginx is the one proxy that counts; a client's own entries stay on the left).
    if (req.http.X-Forwarded-For ~ ",") {
        set req.http.X-Forwarded-For = regsub(req.http.X-Forwarded-For, "\s*,[^,]*$", "");
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Editors and anyone signed in (the session), and the page after a form (its
    # messages): never a shared answer. The same cookies as the site's page cache.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=" || req.http.Authorization) {
        return (pass);
    }
    # The admin, forms and their answers, token links, documents (their privacy is checked
    # on every request), the e-mail provider's webhook: PAGE_CACHE_EXCLUDED_PATHS.
    if (req.url ~ "^/(admin|django-admin|iscrizioni|webinar/entra|attestati|documenti|anymail)/") {
        return (pass);
    }
    # Other cookies (csrftoken, a consent banner's) do not change a page the site shares
    # (see the Vary in vcl_backend_response); they still go to gunicorn on a miss.
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    hash_data(req.http.host);
    # Absolute links (feeds, canonical addresses) carry the scheme.
    hash_data(req.http.X-Forwarded-Proto);
    return (lookup);
}

sub vcl_backend_response {
    # The path, for the bans of PURGE (a ban on an object header is checked in the
    # background too, so banned copies do not pile up).
    set beresp.http.x-cgmsite-path = regsub(bereq.url, "\?.*$", "");
    # Only what the site marks for shared caches: "public" with an s-maxage, no cookie
    # set. Everything else (a form with its CSRF token, an error, a redirect) goes to
    # gunicorn every time; "hit-for-miss" lets the next good answer in.
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control !~ "(^|[,\s])public([,\s]|$)"
        || beresp.http.Cache-Control !~ "s-maxage=[1-9]"
        || beresp.http.Cache-Control ~ "(private|no-store|no-cache)"
        || beresp.status != 200) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # One copy for every anonymous reader, as the site's own cache keys it (host, path,
    # query): the Vary that Varnish matches on leaves out Cookie (the session cookies
    # never get here, other cookies change nothing) and Accept-Language (the site is in
    # Italian only). Browsers and caches in front still get the whole header (vcl_deliver).
    if (beresp.http.Vary) {
        set beresp.http.x-cgmsite-vary = beresp.http.Vary;
        set beresp.http.Vary = regsuball(beresp.http.Vary, "(?i)\b(Cookie|Accept-Language)\b\s*,?\s*", "");
        set beresp.http.Vary = regsub(beresp.http.Vary, ",\s*$", "");
        if (beresp.http.Vary == "") {
            unset beresp.http.Vary;
        }
    }
    # Never a stale page: no grace, no keep. Past its s-maxage an answer is fetched again
    # before anyone gets it (the webinar page whose registration opened at that moment).
    set beresp.grace = 0s;
    set beresp.keep = 0s;
    # Stored compressed: each hit is then sent as it is to browsers that accept gzip.
    if (beresp.http.Content-Type ~ "^(text/|application/(xml|rss\+xml|atom\+xml|json|javascript)|text/calendar)") {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.x-cgmsite-path;
    if (resp.http.x-cgmsite-vary) {
        # The site's Vary, with the Accept-Encoding of the stored gzipped copy.
        if (resp.http.Vary ~ "(?i)Accept-Encoding" && resp.http.x-cgmsite-vary !~ "(?i)Accept-Encoding") {
            set resp.http.Vary = resp.http.x-cgmsite-vary + ", Accept-Encoding";
        } else {
            set resp.http.Vary = resp.http.x-cgmsite-vary;
        }
        unset resp.http.x-cgmsite-vary;
    }
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    # hit or miss of this cache (the site's own says X-Page-Cache): for the tests and the
    # benchmark; harmless to readers.
    if (obj.uncacheable) {
        set resp.http.X-Front-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Front-Cache = "hit";
    } else {
        set resp.http.X-Front-Cache = "miss";
    }
}

sub vcl_synth {
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.body = resp.reason;
    return (deliver);
}

# gunicorn cannot be reached (restarting, all workers busy past the timeout): a page in
# Italian instead of Varnish's own, without its details.
sub vcl_backend_error {
    set beresp.http.Content-Type = "text/html; charset=utf-8";
    set beresp.http.Retry-After = "30";
    set beresp.body = {"<!DOCTYPE html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sito momentaneamente non disponibile – Gruppo Cooperativo CGM</title></head>
<body><main><h1>Sito momentaneamente non disponibile</h1>
<p>Il sito non risponde in questo momento. Riprova tra qualche minuto.</p></main></body></html>
"};
    return (deliver);
}
