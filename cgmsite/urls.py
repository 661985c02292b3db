from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cgmsite import views
from events import views as events_views
from registrations import views as registrations_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documenti/", include(wagtaildocs_urls)),
    path("cerca/", views.search, name="search"),
    path("iscrizioni/", include("registrations.urls")),
    # Delivery status webhooks of the e-mail provider (basic auth: ANYMAIL_WEBHOOK_SECRET).
    path("anymail/", include("anymail.urls")),
    # The personal join link: in front of the page tree, which owns "/webinar/…".
    path("webinar/entra/<str:token>/", registrations_views.join, name="join"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    # Calendar files: Wagtail serves pages only on paths ending in "/", so these
    # ".ics" addresses are plain Django views in front of the page tree.
    path("webinar/calendario.ics", events_views.webinars_ics, name="webinars_ics"),
    path("webinar/<slug:slug>/calendario.ics", events_views.webinar_ics, name="webinar_ics"),
    path(
        "notizie/categoria/<slug:slug>/calendario.ics",
        events_views.category_ics,
        name="category_ics",
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
