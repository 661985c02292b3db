"""One view returning a constant: what a request costs before the site does any work."""

from django.http import HttpResponse
from django.urls import path


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("", bare)]
