"""Error pages (``handler400`` … ``handler500`` in ``cgmsite/urls.py``, ``CSRF_FAILURE_VIEW``).

Django's own error views are wrapped in ``requires_csrf_token``, which runs the CSRF
check again and so reads ``request.POST``. When reading the form was the error itself
(a form sent in latin-1: Django reads forms in UTF-8 only and answers ``BadRequest``),
the 400 view raised the same error, then the 500 view did, and the visitor got a bare
"Internal Server Error" from the WSGI server, which logged the path with its token.
These views never read the request's body, and the site's templates for them hold no
``{% csrf_token %}``.
"""

from django.core.exceptions import DisallowedHost
from django.http import HttpResponseBadRequest, HttpResponseServerError
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


def server_error(request):
    """A static page: no request context, no database, whatever went wrong."""
    return HttpResponseServerError(loader.get_template("500.html").render())
