"""Request bodies the site will read: small everywhere but where files are uploaded.

The public forms take no files, yet Django reads a multipart body whole (to temporary
files) before a view can refuse it: a 1 GB upload to the sign-up form was accepted. The
front proxy caps bodies too (``deploy/``), but gunicorn may be reached without it, so the
limit is also here, decided from ``Content-Length`` before a byte of the body is read.
"""

from django.conf import settings
from django.http import HttpResponse
from django.template import loader


def body_limit(path: str) -> int:
    """The largest body accepted on ``path``, in bytes."""
    if path.startswith(settings.LARGE_BODY_PATHS):
        return settings.LARGE_BODY_MAX_BYTES
    return settings.PUBLIC_BODY_MAX_BYTES


def refusal(template: str, status: int) -> HttpResponse:
    response = HttpResponse(loader.get_template(template).render(), status=status)
    response["Cache-Control"] = "no-store"
    # The rest of the body is never read: the connection cannot carry another request.
    response["Connection"] = "close"
    return response


class BodyLimitMiddleware:
    """413 for a declared body over the path's limit, 411 for a body of unknown length
    (chunked: no browser sends a form that way); first in the chain, so nothing reads
    the body before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        try:
            length = int(declared) if declared else 0
        except ValueError:
            length = -1
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if length < 0 or length > body_limit(request.path_info):
            return refusal("413.html", 413)
        if chunked and not declared and not request.path_info.startswith(settings.LARGE_BODY_PATHS):
            return refusal("411.html", 411)
        return self.get_response(request)
