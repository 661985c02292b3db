"""Public calendar downloads: one webinar, all webinars, one category's webinars."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from events.calendars import feed_name, ics_filename, webinars_calendar
from events.models import WebinarPage, calendar_webinars
from news.models import Category


def calendar_response(calendar, filename: str) -> HttpResponse:
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=900"
    return response


@require_GET
def webinar_ics(request, slug):
    webinar = WebinarPage.objects.live().public().filter(slug=slug).first()
    if webinar is None:
        raise Http404
    calendar = webinars_calendar([webinar], name=webinar.title, request=request)
    return calendar_response(calendar, ics_filename(webinar.slug))


@require_GET
def webinars_ics(request):
    calendar = webinars_calendar(calendar_webinars(), name=feed_name(), request=request)
    return calendar_response(calendar, "webinar-cgm.ics")


@require_GET
def category_ics(request, slug):
    category = get_object_or_404(Category, slug=slug)
    webinars = calendar_webinars().filter(categories=category)
    calendar = webinars_calendar(webinars, name=feed_name(category), request=request)
    return calendar_response(calendar, ics_filename(f"webinar-{category.slug}"))
