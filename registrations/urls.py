from django.urls import path

from registrations import views

app_name = "registrations"

urlpatterns = [
    path("webinar/<int:webinar_id>/", views.register, name="register"),
    path("csrf/", views.csrf_token, name="csrf"),
    path("webinar/<int:webinar_id>/controlla-la-posta/", views.check_inbox, name="check_inbox"),
    path("conferma/<str:token>/", views.confirm, name="confirm"),
    path("richiedi-accesso/<str:token>/", views.request_access, name="request_access"),
    path("annulla/<str:token>/", views.cancel, name="cancel"),
    path("le-mie/", views.my_registrations_request, name="mine"),
    path("le-mie/<str:token>/", views.my_registrations, name="mine_page"),
    path(
        "le-mie/<str:token>/calendario/<int:registration_id>.ics",
        views.my_registration_ics,
        name="mine_ics",
    ),
]
