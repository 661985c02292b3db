"""Error pages (``handler400`` … ``handler500`` in ``cgmsite/urls.py``, ``CSRF_FAILURE_VIEW``).

Django's own error views are wrapped in ``requires_csrf_token``, which runs the CSRF
check again and so reads ``request.POST``. When reading the form was the error itself
(a form sent in latin-1: Django reads forms in UTF-8 only and answers ``BadRequest``),
the 400 view raised the same error, then the 500 view did, and the visitor got a bare
"Internal Server Error" from the WSGI server, which logged the path with its token.
These views never read the request's body, and the site's templates for them hold no
``{% csrf_token %}``.
"""

import sys

from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.template import loader
from django.template.response import TemplateResponse


def _page(request, template: str, status: int, *, store: bool = True) -> TemplateResponse:
    response = TemplateResponse(request, template, status=status).render()
    if not store:
        # A refusal answers one request (its path may hold a token): keep it from caches.
        response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception):
    if isinstance(exception, DisallowedHost):
        # A Host the site does not serve: everything that builds an address (the site
        # lookup, the shell's links) would raise the same error. The page, without them.
        response = HttpResponseBadRequest(loader.get_template("400.html").render())
        response["Cache-Control"] = "no-store"
        return response
    return _page(request, "400.html", 400, store=False)


def permission_denied(request, exception):
    return _page(request, "403.html", 403, store=False)


def page_not_found(request, exception):
    return _page(request, "404.html", 404)


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check (``CSRF_FAILURE_VIEW``): usually an old page or
    cookies turned off; the reason stays out of the page."""
    return _page(request, "403_csrf.html", 403, store=False)


# Seconds a client (or a proxy retrying for it) is asked to wait when the database is out.
DATABASE_RETRY_AFTER = 30


def server_error(request):
    """A static page: no request context, no database, whatever went wrong.

    The database refusing connections (its limit reached, a restart, a failover) or
    failing one query for a passing reason is not a bug: 503 with ``Retry-After``, so
    that people, crawlers and monitors know to come back, and the page says nothing was
    recorded (the request's transaction was never committed).
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
