"""Webinars: the page editors publish, the listing at /webinar/ and the public calendar.

A ``WebinarPage`` is a ``news.PostPage``, so webinar announcements join the news
stream, the category pages, the feeds and search with no extra query. The Teams
join link is stored here but never rendered, indexed or exported: only the
registrations app puts it in the invitations it sends to confirmed registrants.
"""

from datetime import UTC, timedelta
from enum import StrEnum

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, IntegerField, Min, Q, Value, When
from django.utils import dateformat, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from modelcluster.fields import ParentalKey
from wagtail import blocks, hooks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cgmsite.restrictions import ViewRestrictionsMixin
from events.questions import QuestionsBlock
from events.teams.client import graph_enabled
from events.teams.models import TeamsMeeting
from events.teams.panels import TeamsMeetingPanel
from events.validators import validate_teams_join_url
from news.models import Category, PostPage, paginate

# Hooks through which the registrations app, which events must not import, takes part:
# the number of seats taken, and extra template context for the webinar page (its form).
SEATS_TAKEN_HOOK = "webinar_seats_taken"
PAGE_CONTEXT_HOOK = "webinar_page_context"


class RegistrationState(StrEnum):
    """Where a webinar's registration stands, as shown on its page."""

    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    PAST = "past"


class WebinarPageForm(WagtailAdminPageForm):
    """Refuses to publish an incoherent webinar; drafts may be saved half-finished."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The form applies the publishing rules itself, only when publishing; the
        # model must not apply them again while a draft of a live page is saved.
        self.instance.publishing_rules_checked_by_form = True

    def clean(self):
        cleaned_data = super().clean()
        if self.is_deferred_validation:  # "Save draft"
            return cleaned_data
        candidate = WebinarPage(
            **{name: cleaned_data.get(name) for name in WebinarPage.COHERENCE_FIELDS}
        )
        candidate.pk = self.instance.pk
        for field, message in candidate.publishing_errors().items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
            elif field not in self.fields:
                self.add_error(None, message)
        return cleaned_data

    def save(self, commit=True):
        # Calendars only update an event whose SEQUENCE grew: raise it when the time or
        # the status differs from the live version. Saving the same draft twice raises
        # it once, since the comparison is always with what is live.
        page = super().save(commit=False)
        live = WebinarPage.objects.filter(pk=page.pk).first() if page.pk else None
        if live and any(
            getattr(live, name) != getattr(page, name) for name in WebinarPage.SCHEDULE_FIELDS
        ):
            page.sequence = live.sequence + 1
        if commit:
            page.save()
            self.save_m2m()
        return page


class WebinarPage(PostPage):
    """An online seminar on Microsoft Teams, free and open only to the network's members."""

    class Platform(models.TextChoices):
        TEAMS = "teams", "Microsoft Teams"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    class MeetingMode(models.TextChoices):
        LINK = "link", _("Paste a link")
        AUTOMATIC = "automatic", _("Create automatically")

    topic_area = models.CharField(
        _("topic area"),
        max_length=120,
        blank=True,
        help_text=_("The programme the webinar belongs to, e.g. “Sistemi di Gestione”."),
    )
    abstract = RichTextField(
        _("abstract"),
        blank=True,
        features=["bold", "italic", "link", "ul", "ol"],
        help_text=_("What the webinar is about and who it is for."),
    )
    agenda = StreamField(
        [("point", blocks.CharBlock(max_length=500, label=_("Point")))],
        blank=True,
        verbose_name=_("agenda"),
        help_text=_("The points the webinar covers, one per item, in order."),
    )
    start = models.DateTimeField(
        _("start"), help_text=_("Date and time the webinar starts (Italian time).")
    )
    end = models.DateTimeField(
        _("end"), help_text=_("Date and time the webinar ends (Italian time).")
    )
    platform = models.CharField(
        _("platform"),
        max_length=20,
        choices=Platform.choices,
        default=Platform.TEAMS,
        help_text=_("Where the webinar is held."),
    )
    teams_meeting_mode = models.CharField(
        _("Teams meeting"),
        max_length=20,
        choices=MeetingMode.choices,
        default=MeetingMode.LINK,
        help_text=_(
            "“Create automatically”: the site creates the meeting in Teams when the webinar "
            "is published and keeps its title and time up to date (needs Microsoft Graph, "
            "see docs/teams.md). “Paste a link”: copy the join link of a meeting made in "
            "Teams or Outlook below."
        ),
    )
    teams_join_url = models.URLField(
        _("Teams join link"),
        max_length=2000,
        blank=True,
        validators=[validate_teams_join_url],
        help_text=_(
            "Private: never shown on the site. Sent only to confirmed registrants in their "
            "invitation. Copy it from the meeting in Teams or Outlook."
        ),
    )
    programme = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("programme"),
        help_text=_("The full programme, offered as a download (PDF)."),
    )
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_("Where to write for information, e.g. simona.taraschi@cgm.coop."),
    )
    is_free = models.BooleanField(
        _("free of charge"), default=True, help_text=_("Shown as “free of charge”.")
    )
    members_only = models.BooleanField(
        _("open only to network members"),
        default=True,
        help_text=_("Only addresses of member organisations can register."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_(
            "Maximum number of participants; empty for no limit. Beyond it, a waiting list."
        ),
    )
    questions = StreamField(
        QuestionsBlock(),
        blank=True,
        verbose_name=_("questions of the form"),
        help_text=_(
            "Extra questions for the people who sign up (at most 10). Answers are kept with "
            "the registration, shown to staff and in the exports; changing a question later "
            "keeps the answers already given, with the wording they answered."
        ),
    )
    registration_opens_at = models.DateTimeField(
        _("registration opens"),
        null=True,
        blank=True,
        help_text=_("Empty: registration is open as soon as the page is published."),
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Empty: registration closes when the webinar starts."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.SCHEDULED,
        help_text=_("Set to “Cancelled” to cancel the webinar: its page stays readable."),
    )
    attendance_threshold = models.PositiveSmallIntegerField(
        _("attendance threshold (%)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "The share of the scheduled time a registrant must attend to count as present "
            "and receive a certificate of attendance."
        ),
    )
    materials_url = models.URLField(
        _("materials or recording link"),
        max_length=2000,
        blank=True,
        help_text=_("After the webinar: sent in the follow-up e-mail to attendees and absentees."),
    )
    materials_document = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("materials document"),
        help_text=_("After the webinar: slides or handouts, linked in the follow-up e-mail."),
    )
    sequence = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="iCalendar SEQUENCE: raised when the time or the status changes.",
    )

    # The fields the publishing rules read; the admin form checks them together.
    COHERENCE_FIELDS = (
        "start",
        "end",
        "platform",
        "teams_meeting_mode",
        "teams_join_url",
        "contact_email",
        "members_only",
        "capacity",
        "registration_opens_at",
        "registration_closes_at",
    )
    # Changes that calendars must hear about (a new SEQUENCE).
    SCHEDULE_FIELDS = ("start", "end", "status")

    base_form_class = WebinarPageForm
    parent_page_types = ["events.WebinarIndexPage"]
    subpage_types = []

    search_fields = [
        *PostPage.search_fields,
        index.SearchField("topic_area"),
        index.SearchField("abstract"),
        index.SearchField("agenda"),
        index.RelatedFields("speakers", [index.SearchField("name")]),
        index.FilterField("start"),
        index.FilterField("end"),
        index.FilterField("status"),
    ]

    content_panels = [
        *Page.content_panels,
        FieldPanel("standfirst"),
        FieldPanel("date"),
        FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("status"),
            ],
            heading=_("When"),
        ),
        FieldPanel("topic_area"),
        FieldPanel("abstract"),
        FieldPanel("agenda"),
        InlinePanel("speakers", label=_("Speaker")),
        MultiFieldPanel(
            [
                FieldPanel("platform"),
                FieldPanel("teams_meeting_mode", widget=forms.RadioSelect),
                TeamsMeetingPanel(),
                FieldPanel("teams_join_url"),
                FieldRowPanel([FieldPanel("is_free"), FieldPanel("members_only")]),
                FieldPanel("contact_email"),
                FieldPanel("programme"),
            ],
            heading=_("Participation"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("capacity"),
                FieldRowPanel(
                    [FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")]
                ),
                FieldPanel("questions"),
            ],
            heading=_("Registration"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("attendance_threshold"),
                FieldPanel("materials_url"),
                FieldPanel("materials_document"),
            ],
            heading=_("After the webinar"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("hero_image"),
                FieldPanel("hero_image_credit"),
                FieldPanel("hero_image_credit_lang"),
            ],
            heading=_("Main image"),
        ),
    ]

    class Meta:
        verbose_name = _("webinar")
        verbose_name_plural = _("webinars")

    def publishing_errors(self) -> dict[str, str]:
        """The reasons this webinar cannot be published, by field (empty when coherent)."""
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("The webinar must end after it starts.")
        closes = self.registration_closes_at
        if closes and self.start and closes > self.start:
            errors["registration_closes_at"] = _(
                "Registration must close before the webinar starts, or at its start."
            )
        opens = self.registration_opens_at
        if opens and opens >= (closes or self.start or opens):
            errors["registration_opens_at"] = _("Registration must open before it closes.")
        automatic = self.teams_meeting_mode == self.MeetingMode.AUTOMATIC
        if automatic and not graph_enabled():
            errors["teams_meeting_mode"] = _(
                "This site cannot create Teams meetings: Microsoft Graph is not configured "
                "(docs/teams.md). Paste the meeting's join link instead."
            )
        on_teams = self.members_only and self.platform == self.Platform.TEAMS
        if on_teams and not automatic and not self.teams_join_url:
            errors["teams_join_url"] = _(
                "A members-only webinar on Teams needs the Teams join link (or a meeting "
                "created automatically): registrants receive it in their invitation."
            )
        if on_teams and not self.contact_email:
            errors["contact_email"] = _(
                "A members-only webinar needs a contact address for information."
            )
        if self.capacity is not None and self.pk:
            taken = self.seats_taken()
            if self.capacity < taken:
                errors["capacity"] = _(
                    "%(taken)d people are already confirmed: the capacity cannot be lower."
                ) % {"taken": taken}
        return errors

    def clean(self):
        """Every way of publishing (bulk action, workflow, schedule) obeys the rules.

        Wagtail cleans a page when a revision is published; the admin form has
        already checked the rules for its own publishing and skips this.
        """
        super().clean()
        if self.live and not getattr(self, "publishing_rules_checked_by_form", False):
            errors = self.publishing_errors()
            if errors:
                raise ValidationError(errors)

    # Display helpers -----------------------------------------------------------------

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def creates_teams_meeting(self) -> bool:
        return self.teams_meeting_mode == self.MeetingMode.AUTOMATIC

    @property
    def meeting_join_url(self) -> str:
        """Where registrants join: the pasted link, or the meeting the site created.

        Read at the time of use (a join link click, an invitation): a meeting created
        after the invitation went out is found all the same.
        """
        if not self.creates_teams_meeting:
            return self.teams_join_url
        meeting = TeamsMeeting.objects.filter(webinar_id=self.pk, ready=True)
        return meeting.values_list("join_url", flat=True).first() or ""

    @property
    def registration_closes(self):
        return self.registration_closes_at or self.start

    def seats_taken(self) -> int:
        """Confirmed registrations, as counted by the apps that answer ``SEATS_TAKEN_HOOK``
        (``registrations.selectors.seats_taken``: the one place seats are counted)."""
        return sum(fn(self) or 0 for fn in hooks.get_hooks(SEATS_TAKEN_HOOK))

    def seats_left(self, seats_taken=None) -> int | None:
        """Seats still free (never below 0); None when the webinar has no seat limit.

        Only a number: the page says how many seats are left, never who took them.
        """
        if self.capacity is None:
            return None
        taken = self.seats_taken() if seats_taken is None else seats_taken
        return max(0, self.capacity - taken)

    def registration_state(self, now=None, seats_taken=None) -> RegistrationState:
        now = now or timezone.now()
        if self.is_cancelled:
            return RegistrationState.CANCELLED
        if now >= self.end:
            return RegistrationState.PAST
        if now >= self.registration_closes:
            return RegistrationState.CLOSED
        if self.registration_opens_at and now < self.registration_opens_at:
            return RegistrationState.NOT_YET_OPEN
        if self.capacity is not None:
            taken = self.seats_taken() if seats_taken is None else seats_taken
            if taken >= self.capacity:
                return RegistrationState.FULL
        return RegistrationState.OPEN

    @property
    def when_label(self) -> str:
        """«venerdì 17 aprile 2020, 10:30–12:00», in Italian time (``schedule_label``)."""
        return schedule_label(self.start, self.end)

    @property
    def took_place(self) -> bool:
        """Over and not cancelled: its page and card speak in the past tense."""
        return not self.is_cancelled and timezone.now() >= self.end

    def calendar_links(self, page_url: str) -> dict[str, str]:
        """ "Add to Google Calendar" and "Add to Outlook" addresses with the public details
        only (title, times, summary, the page's address): never the join link."""
        start, end = (moment.astimezone(UTC) for moment in (self.start, self.end))
        details = "\n\n".join(part for part in (self.standfirst, page_url) if part)
        google = urlencode(
            {
                "action": "TEMPLATE",
                "text": self.title,
                "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
                "details": details,
                "location": self.get_platform_display(),
            }
        )
        outlook = urlencode(
            {
                "path": "/calendar/action/compose",
                "rru": "addevent",
                "subject": self.title,
                "startdt": start.isoformat(),
                "enddt": end.isoformat(),
                "body": details,
                "location": self.get_platform_display(),
            }
        )
        return {
            "google": f"https://calendar.google.com/calendar/render?{google}",
            "outlook": f"https://outlook.office.com/calendar/0/deeplink/compose?{outlook}",
        }

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Seats are counted once (one query, only for a webinar with a seat limit that
        # is still to come) for both the state and the seats left.
        taken = None
        if self.capacity is not None and not self.is_cancelled and timezone.now() < self.end:
            taken = self.seats_taken()
        state = self.registration_state(seats_taken=taken)
        context["registration_state"] = state
        context["took_place"] = self.took_place
        if state in (RegistrationState.OPEN, RegistrationState.FULL, RegistrationState.CLOSED):
            context["seats_left"] = self.seats_left(seats_taken=taken)
        if state not in (RegistrationState.PAST, RegistrationState.CANCELLED):
            context["calendar_links"] = self.calendar_links(self.get_full_url(request))
        context["speakers"] = self.speakers.all()
        for fn in hooks.get_hooks(PAGE_CONTEXT_HOOK):
            context.update(fn(self, request, context) or {})
        return context


def schedule_label(start, end) -> str:
    """The date and time range of an event in Italian time, as Italian writes it.

    The one place a webinar's dates are written out: the page, the cards, every e-mail
    and the calendar files' descriptions read it. The same day: «lunedì 1 dicembre 2026,
    10:00–13:00»; across days: «da lunedì 1 dicembre 2026, 10:00 a martedì 2 dicembre
    2026, 13:00».
    """
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.date() == end.date():
        return _("%(day)s, %(start)s–%(end)s") % {
            "day": dateformat.format(start, "l j F Y").lower(),
            "start": dateformat.format(start, "H:i"),
            "end": dateformat.format(end, "H:i"),
        }
    return _("from %(start)s to %(end)s") % {
        "start": dateformat.format(start, "l j F Y, H:i").lower(),
        "end": dateformat.format(end, "l j F Y, H:i").lower(),
    }


class WebinarSpeaker(Orderable):
    """A speaker or the moderator, in the order they are presented."""

    class Role(models.TextChoices):
        SPEAKER = "speaker", _("Speaker")
        MODERATOR = "moderator", _("Moderator")

    page = ParentalKey(WebinarPage, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("name"), max_length=120, help_text=_("Full name."))
    description = models.CharField(
        _("description"),
        max_length=255,
        blank=True,
        help_text=_("Who they are, e.g. “avvocato esperto di sistemi privacy”."),
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=Role.choices,
        default=Role.SPEAKER,
        help_text=_("The moderator leads the conversation (“Dialogherà con loro …”)."),
    )

    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("role")]

    def __str__(self):
        return self.name


def listed_webinars():
    """Published, public webinars with what a card needs."""
    return (
        WebinarPage.objects.live()
        .public()
        .select_related("hero_image")
        .prefetch_related("categories", "hero_image__renditions")
    )


def upcoming_webinars(now=None):
    """Webinars not yet over and not cancelled, soonest first."""
    now = now or timezone.now()
    return (
        listed_webinars()
        .filter(end__gt=now, status=WebinarPage.Status.SCHEDULED)
        .order_by("start", "pk")
    )


def calendar_webinars(now=None, recent_days: int = 90):
    """What the calendar feeds carry: upcoming webinars and those of the last few months."""
    now = now or timezone.now()
    return listed_webinars().filter(end__gte=now - timedelta(days=recent_days)).order_by("start")


class WebinarIndexPage(ViewRestrictionsMixin, Page):
    """/webinar/: upcoming webinars soonest first, then past ones newest first."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("A short text shown above the list of webinars."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cgmsite.HomePage"]
    subpage_types = ["events.WebinarPage"]
    max_count = 1

    class Meta:
        verbose_name = _("webinar index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        webinars = listed_webinars().annotate(
            is_past=Case(
                When(end__lte=now, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            upcoming_start=Case(When(end__gt=now, then=F("start"))),
            past_start=Case(When(end__lte=now, then=F("start"))),
        )
        category = None
        slug = request.GET.get("categoria")
        if slug:
            category = Category.objects.filter(slug=slug).first()
            webinars = webinars.filter(categories=category) if category else webinars.none()
        webinars = webinars.order_by(
            "is_past", F("upcoming_start").asc(nulls_last=True), F("past_start").desc(), "-pk"
        )
        page_obj = paginate(request, webinars, settings.NEWS_PAGE_SIZE)
        context.update(
            webinars=page_obj,
            upcoming=[webinar for webinar in page_obj if not webinar.is_past],
            past=[webinar for webinar in page_obj if webinar.is_past],
            query_string=urlencode({"categoria": slug}) if slug else "",
            category=category,
            category_slug=slug or "",
            categories=Category.objects.filter(posts__in=WebinarPage.objects.live()).distinct(),
            now=now,
        )
        return context


def next_transition(now, within: timedelta):
    """The next moment within ``within`` at which a published webinar changes by itself.

    Registration opening or closing, the start and the end change what the webinar's
    page, the listings and the calendars show, with no edit: the page cache keeps
    nothing past it (``cgmsite.page_cache.seconds_to_keep``). One query.
    """
    fields = ("registration_opens_at", "registration_closes_at", "start", "end")
    window = {"__gt": now, "__lte": now + within}
    firsts = WebinarPage.objects.live().aggregate(
        **{
            field: Min(field, filter=Q(**{field + op: moment for op, moment in window.items()}))
            for field in fields
        }
    )
    return min((moment for moment in firsts.values() if moment is not None), default=None)
