"""A webinar's attendance screen in the admin: the Teams file, uncertain matches, follow-ups.

``/admin/registrations/attendance/<webinar id>/``, linked from the webinar's edit view and
from its registration list. Staff upload the attendance file Teams gives the organiser
(when the site does not fetch it through Microsoft Graph), confirm or correct each match
made by name only, then preview and send the follow-ups with the certificates.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from events.models import WebinarPage
from registrations import attendance, certificates, selectors
from registrations.admin.base import (
    ATTENDANCE_URL_NAME,
    attendance_url,
    registrations_url,
    user_can_change_registrations,
    user_can_view_registrations,
)
from registrations.attendance_file import MAX_BYTES, AttendanceFileError
from registrations.followups import followups_preview, followups_send
from registrations.models import AttendanceRecord, Certificate, Registration

URL_NAME = ATTENDANCE_URL_NAME
Match = AttendanceRecord.Match


class AttendanceFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Teams attendance file"),
        help_text=gettext_lazy(
            "In Teams, open the meeting, then “Attendance”, and download the report (.csv)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB: it is not a Teams attendance report.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class WebinarAttendanceView(WagtailAdminTemplateMixin, TemplateView):
    """Attendance, matches to confirm and follow-ups of one webinar."""

    template_name = "registrations/admin/webinar_attendance.html"
    page_title = gettext_lazy("Attendance and certificates")
    header_icon = "group"

    def dispatch(self, request, *args, webinar_id, **kwargs):
        if not user_can_view_registrations(request.user):
            raise PermissionDenied
        self.webinar = get_object_or_404(WebinarPage, pk=webinar_id)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.webinar.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": registrations_url(self.webinar), "label": _("Registrations")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        records = AttendanceRecord.objects.filter(webinar=self.webinar).select_related(
            "registration"
        )
        confirmed = Registration.objects.filter(
            webinar=self.webinar, status=Registration.Status.CONFIRMED
        ).order_by("last_name", "first_name")
        context.update(
            webinar=self.webinar,
            form=form or AttendanceFileForm(),
            can_change=user_can_change_registrations(self.request.user),
            to_decide=[r for r in records if r.match in (Match.PROPOSED, Match.NONE)],
            counted=[r for r in records if r.match in AttendanceRecord.COUNTED],
            set_aside=[r for r in records if r.match == Match.IGNORED],
            registrants=confirmed,
            counts=selectors.attendance_counts(self.webinar),
            threshold=self.webinar.attendance_threshold,
            preview=followups_preview(webinar=self.webinar),
            certificates=[
                (certificate, certificates.download_url(certificate))
                for certificate in Certificate.objects.filter(webinar=self.webinar)
                .exclude(download_token=None)
                .order_by("name")
            ],
            registrations_url=registrations_url(self.webinar),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not user_can_change_registrations(request.user):
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "upload":
            return self.upload(request)
        if action == "decide":
            self.decide(request)
        elif action == "send_followups":
            self.send_followups(request)
        return HttpResponseRedirect(attendance_url(self.webinar))

    def upload(self, request):
        form = AttendanceFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = attendance.import_file(
                    webinar=self.webinar, data=form.cleaned_data["file"].read()
                )
            except AttendanceFileError as error:
                form.add_error("file", str(error))
            else:
                messages.success(
                    request,
                    _(
                        "Attendance imported: %(records)d people in the report, %(matched)d "
                        "registrants counted, %(proposed)d to confirm, %(unmatched)d without "
                        "a registration."
                    )
                    % vars(result),
                )
                return HttpResponseRedirect(attendance_url(self.webinar))
        messages.error(request, _("The file was not imported: see the error below."))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def decide(self, request):
        record_id = request.POST.get("record", "")
        record = AttendanceRecord.objects.filter(
            pk=record_id if record_id.isdigit() else None, webinar=self.webinar
        ).first()
        choice = request.POST.get("registration", "")
        registration = None
        if choice != "ignore":
            registration = Registration.objects.filter(
                pk=choice if choice.isdigit() else None,
                webinar=self.webinar,
                status=Registration.Status.CONFIRMED,
            ).first()
        if record is None or (choice != "ignore" and registration is None):
            messages.error(request, _("Choose a confirmed registrant of this webinar."))
            return
        attendance.record_decide(record=record, registration=registration)
        if registration is None:
            messages.success(
                request, _("%(name)s set aside: not a registrant.") % {"name": record.display_name}
            )
        else:
            messages.success(
                request,
                _("%(name)s counted as %(registrant)s.")
                % {"name": record.display_name, "registrant": registration.full_name},
            )

    def send_followups(self, request):
        preview = followups_preview(webinar=self.webinar)
        if not preview.ready:
            messages.error(request, _("Import the attendance first: nothing was sent."))
            return
        queued = followups_send(webinar=self.webinar)
        messages.success(
            request,
            _("%(count)d follow-up e-mails queued, each person's once.") % {"count": queued},
        )


def attendance_urls() -> list:
    return [
        path(
            "registrations/attendance/<int:webinar_id>/",
            WebinarAttendanceView.as_view(),
            name=URL_NAME,
        )
    ]
