"""The pipeline screens (issue 15, "Screens"): the board, the "à relancer"
lists, a stage's full list, a prospect's page and its forms (details,
interaction, move, merge), and creating a prospect by hand.

Each view is written once for a ``Scope`` and served twice
(``prospects/urls.py``): the platform's pipeline to the staff group
``sales`` (log-in, then the permission or 403), a company's to its members
(another company's URL is a 404, as ``directory.team.decorators``). A
prospect is only ever looked up among its pipeline's rows: another
pipeline's prospect is a 404.

Moves work without JavaScript (a plain POST, then a redirect); with it,
the board sends them through htmx and gets the board back
(``prospects/includes/board.html``), re-read with the filters of the page
it came from."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, time
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.ids import get_by_id_or_404
from common.permissions import staff_required
from common.signed_links import LinkError, LinkExpired, LinkRevoked
from common.types import AuthenticatedHttpRequest
from directory.models import Membership
from directory.team import decorators
from eligibility.invitations import invitation_remember
from eligibility.selectors import TradeFit, trade_fit_details

from . import application_links, services
from .board import (
    board_columns,
    board_prospects,
    card_order,
    move_targets,
    prospect_timeline,
)
from .fit import prospect_fit, prospect_fits
from .forms import (
    BoardFilterForm,
    ErasureForm,
    InteractionForm,
    MergeForm,
    MoveForm,
    ProspectForm,
)
from .models import STAGE_TRANSITIONS, LostReason, Prospect, Stage
from .permissions import PLATFORM_PERMISSION
from .scope import Scope
from .selectors import (
    FollowUp,
    follow_ups,
    prospect_duplicates,
    prospect_personal_data,
    without_next_step,
)

View = Callable[..., HttpResponse]
# directory's decorator, typed here (directory is not under mypy --strict yet).
member_view: Callable[[View], View] = decorators.member_view

STAGE_PAGE_SIZE = 50
# Cards shown per column on a phone (site.css, "prospect board on a phone",
# hides the others): the list view stays a few screens tall, each column
# ends with a link to its stage's full list; the counts stay exact.
PHONE_COLUMN_SIZE = 5
# Rows shown per "à relancer" list; more are counted, not shown.
FOLLOW_UP_LIST_SIZE = 100


def platform(view: View) -> View:
    """Serve ``view`` for the platform's pipeline: sales staff only."""

    @staff_required(PLATFORM_PERMISSION)
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, Scope.platform(), *args, **kwargs)

    return wrapper


def company(view: View) -> View:
    """Serve ``view`` for a company's pipeline: its members only."""

    @member_view
    @wraps(view)
    def wrapper(
        request: AuthenticatedHttpRequest, membership: Membership, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        return view(request, Scope.of_member(membership), *args, **kwargs)

    return wrapper


def _prospect(scope: Scope, prospect_id: object) -> Prospect:
    rows = scope.prospects().select_related("owner", "profession", "referrer", "application")
    return get_by_id_or_404(rows, str(prospect_id))


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _add_errors(form: Any, error: ValidationError) -> None:
    """A service's refusal on the form: on the field it names when the
    form has it, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _labelled(stages: list[str]) -> list[tuple[str, str]]:
    return [(stage, str(Stage(stage).label)) for stage in stages]


def _trades(scope: Scope) -> dict[int, TradeFit] | None:
    """The trades' fits, read once per request, for the platform's
    pipeline only (a company's leads are people, not companies to screen)."""
    return trade_fit_details() if scope.is_platform else None


def _with_fits(prospects: list[Prospect], trades: dict[int, TradeFit] | None) -> None:
    """Each prospect's fit as ``prospect.fit`` (``None`` outside the
    platform's pipeline), for the cards and rows."""
    fits = prospect_fits(prospects, trades) if trades is not None else {}
    for prospect in prospects:
        prospect.fit = fits.get(prospect.pk)  # type: ignore[attr-defined]


# --- The board ---------------------------------------------------------------------------


def _board_context(request: HttpRequest, scope: Scope, query: QueryDict) -> dict[str, Any]:
    form = BoardFilterForm(query or None, pipeline=scope.pipeline, company=scope.company)
    trades = _trades(scope)
    columns = board_columns(scope.pipeline, scope.company, form.filters(), trades=trades)
    for column in columns:
        column.targets = _labelled(move_targets(column.stage))
        _with_fits(column.cards, trades)
    board_url = scope.url("board")
    return scope.context(
        form=form,
        columns=columns,
        filtered=form.is_filtered(),
        query=query.urlencode(),
        here=f"{board_url}?{query.urlencode()}" if query else board_url,
        today=timezone.localdate(),
        lost_reasons=LostReason.choices,
        # Cards a phone shows per column (the CSS hides the others).
        phone_cards=PHONE_COLUMN_SIZE,
        # The table's refusal, as the server words it, for the script.
        move_refused=str(STAGE_TRANSITIONS.message) % {"from": "{from}", "to": "{to}"},
    )


@require_safe
def board(request: AuthenticatedHttpRequest, scope: Scope) -> HttpResponse:
    """The kanban: one column per stage, at most ``board.COLUMN_SIZE``
    cards each, filters in the query string."""
    return render(request, "prospects/board.html", _board_context(request, scope, request.GET))


def _board_after_move(request: HttpRequest, scope: Scope, message: str, ok: bool) -> HttpResponse:
    """htmx: the board again, as filtered on the page the move came from,
    with what happened."""
    current = request.headers.get("HX-Current-URL", "")
    query = QueryDict(urlsplit(current).query) if current else QueryDict()
    context = _board_context(request, scope, query)
    context.update(board_message=message, board_message_ok=ok)
    return render(request, "prospects/includes/board.html", context)


@require_safe
def stage(request: AuthenticatedHttpRequest, scope: Scope, stage: str) -> HttpResponse:
    """Every prospect of one stage (the board's "voir plus"), paginated,
    with the board's filters."""
    if stage not in Stage.values:
        raise Http404
    form = BoardFilterForm(request.GET or None, pipeline=scope.pipeline, company=scope.company)
    trades = _trades(scope)
    rows = (
        board_prospects(scope.pipeline, scope.company, form.filters(), trades=trades)
        .filter(stage=stage)
        .select_related("owner", "profession", "application")
        .order_by(*card_order())
    )
    page = Paginator(rows, STAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    _with_fits(page.object_list, trades)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "prospects/stage.html",
        scope.context(
            stage_label=Stage(stage).label,
            page=page,
            form=form,
            query=query.urlencode(),
            today=timezone.localdate(),
        ),
    )


@require_safe
def follow_up_lists(request: AuthenticatedHttpRequest, scope: Scope) -> HttpResponse:
    """The "à relancer" lists: overdue, today, this week, and the open
    prospects with no next step; everyone's, or the visitor's own."""
    mine = request.GET.get("moi") == "1"
    owner = request.user if mine else None
    kwargs: dict[str, Any] = {"pipeline": scope.pipeline, "company": scope.company, "owner": owner}
    sections = [
        (
            "overdue",
            _("Overdue"),
            follow_ups(period=FollowUp.OVERDUE, **kwargs),
            _("No overdue follow-up."),
        ),
        ("today", _("Today"), follow_ups(period=FollowUp.TODAY, **kwargs), _("Nothing today.")),
        (
            "week",
            _("Later this week"),
            follow_ups(period=FollowUp.WEEK, **kwargs),
            _("Nothing else this week."),
        ),
        (
            "none",
            _("No next step"),
            without_next_step(**kwargs),
            _("Every open prospect has a next step."),
        ),
    ]
    lists = []
    for key, title, rows, empty in sections:
        shown = list(rows.select_related("owner")[: FOLLOW_UP_LIST_SIZE + 1])
        lists.append(
            {
                "key": key,
                "title": title,
                "rows": shown[:FOLLOW_UP_LIST_SIZE],
                "more": len(shown) > FOLLOW_UP_LIST_SIZE,
                "empty": empty,
            }
        )
    return render(
        request,
        "prospects/follow_ups.html",
        scope.context(lists=lists, mine=mine, today=timezone.localdate()),
    )


# --- Moves ------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def move(request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int) -> HttpResponse:
    """Move a prospect to another stage (``services.prospect_move``).

    Without JavaScript: a refused move comes back as a message on the page
    it came from; a move to lost without its reason shows this page's form
    (nothing changed). Through htmx: the board, with the message."""
    prospect = _prospect(scope, prospect_id)
    targets = move_targets(prospect.stage)
    fallback = scope.url("detail", prospect.pk)
    if request.method != "POST":
        form = MoveForm(initial={"to": request.GET.get("vers", "")})
        return _move_page(request, scope, prospect, form, targets)
    form = MoveForm(request.POST)
    if not form.is_valid():
        if _is_htmx(request):
            problems = [str(error) for errors in form.errors.values() for error in errors]
            return _board_after_move(request, scope, " ".join(problems), ok=False)
        return _move_page(request, scope, prospect, form, targets)
    to = form.cleaned_data["to"]
    try:
        moved = services.prospect_move(
            prospect=prospect,
            to=to,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            lost_reason=form.cleaned_data["lost_reason"],
            lost_note=form.cleaned_data["lost_note"],
        )
    except ValidationError as error:
        text = " ".join(error.messages)
        if _is_htmx(request):
            return _board_after_move(request, scope, text, ok=False)
        messages.error(request, text)
        return redirect(_safe_next(request, fallback))
    text = _("“%(name)s” moved to “%(stage)s”.") % {
        "name": moved.name,
        "stage": Stage(moved.stage).label,
    }
    if _is_htmx(request):
        return _board_after_move(request, scope, text, ok=True)
    messages.success(request, text)
    return redirect(_safe_next(request, fallback))


def _move_page(
    request: HttpRequest, scope: Scope, prospect: Prospect, form: MoveForm, targets: list[str]
) -> HttpResponse:
    form.fields["to"].widget.choices = _labelled(targets)
    return render(
        request,
        "prospects/move.html",
        scope.context(
            prospect=prospect,
            form=form,
            next=_safe_next(request, scope.url("detail", prospect.pk)),
        ),
    )


# --- A prospect's page --------------------------------------------------------------------


def _detail_page(
    request: HttpRequest,
    scope: Scope,
    prospect: Prospect,
    *,
    interaction_form: InteractionForm | None = None,
) -> HttpResponse:
    duplicates = (
        []
        if prospect.anonymised_at
        else prospect_duplicates(
            pipeline=scope.pipeline,
            company=scope.company,
            siren=prospect.siren,
            email_key=prospect.email_key,
            phone=prospect.phone,
            name=prospect.name,
            town_key=prospect.town_key,
            postal_code=prospect.postal_code,
            exclude_pk=prospect.pk,
        )[:10]
    )
    return render(
        request,
        "prospects/prospect.html",
        scope.context(
            **_platform_extras(request, scope, prospect),
            prospect=prospect,
            timeline=prospect_timeline(prospect),
            duplicates=duplicates,
            targets=_labelled(move_targets(prospect.stage)),
            lost_reasons=LostReason.choices,
            interaction_form=interaction_form or InteractionForm(),
            today=timezone.localdate(),
        ),
    )


def _platform_extras(request: HttpRequest, scope: Scope, prospect: Prospect) -> dict[str, Any]:
    """A platform prospect's page also shows its fit with the reasons, and
    its pre-filled application link (live or not, and the form to make one)."""
    if not scope.is_platform:
        return {}
    live = application_links.link_is_live(prospect)
    return {
        "fit": prospect_fit(prospect, trade_fit_details(), explain=True),
        "link_allowed": application_links.can_have_link(prospect),
        "link_url": request.build_absolute_uri(application_links.application_link_path(prospect))
        if live
        else "",
        "link_expires": application_links.link_expires_at(prospect) if live else None,
        "link_days": settings.PROSPECT_APPLICATION_LINK_DAYS,
        "link_send_refusal": application_links.send_refusal(prospect),
    }


@require_safe
def detail(request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int) -> HttpResponse:
    """A prospect: details, next step, score, referral source, timeline,
    possible duplicates, and the forms to work it."""
    return _detail_page(request, scope, _prospect(scope, prospect_id))


@require_POST
def interaction(request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int) -> HttpResponse:
    """Record a call, an e-mail, a meeting or a note, and the next
    follow-up date (``services.interaction_add``)."""
    prospect = _prospect(scope, prospect_id)
    form = InteractionForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["happened_on"]
        now = timezone.localtime()
        # Today's interaction happened now; an earlier day's, at noon.
        happened_at = (
            now
            if day == now.date()
            else timezone.make_aware(datetime.combine(day, time(12)), now.tzinfo)
        )
        try:
            services.interaction_add(
                prospect=prospect,
                kind=form.cleaned_data["kind"],
                author=request.user,
                outcome=form.cleaned_data["outcome"],
                happened_at=happened_at,
                next_follow_up=form.cleaned_data["next_follow_up"],
                submission=form.cleaned_data["submission"],
            )
        except services.AlreadySubmitted as error:
            messages.info(request, " ".join(error.messages))
            return redirect(scope.url("detail", prospect.pk))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Interaction recorded."))
            return redirect(scope.url("detail", prospect.pk))
    return _detail_page(request, scope, prospect, interaction_form=form)


def _prospect_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {name: data[name] for name in services.EDITABLE_FIELDS if name in data}
    for name in ("siren", "email", "phone", "organisation", "town", "postal_code"):
        fields[name] = fields.get(name) or ""
    return fields


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int) -> HttpResponse:
    """Change a prospect's details (``services.prospect_update``)."""
    prospect = _prospect(scope, prospect_id)
    if prospect.anonymised_at is not None:
        messages.error(request, _("This prospect was anonymised: it can no longer change."))
        return redirect(scope.url("detail", prospect.pk))
    initial = {name: getattr(prospect, name) for name in services.EDITABLE_FIELDS}
    form = ProspectForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        pipeline=scope.pipeline,
        company=scope.company,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.prospect_update(prospect=prospect, fields=_prospect_fields(form.cleaned_data))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Details saved."))
            return redirect(scope.url("detail", prospect.pk))
    return render(
        request,
        "prospects/form.html",
        scope.context(form=form, prospect=prospect, duplicates=None),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def create(request: AuthenticatedHttpRequest, scope: Scope) -> HttpResponse:
    """A prospect typed by hand. Possible duplicates are shown before
    anything is saved; "create anyway" (``force``) saves it all the same."""
    form = ProspectForm(
        request.POST if request.method == "POST" else None,
        initial={"owner": request.user.pk},
        pipeline=scope.pipeline,
        company=scope.company,
        creating=True,
    )
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prospect = services.prospect_create(
                pipeline=scope.pipeline,
                company=scope.company,
                actor=request.user,
                stage=data["stage"],
                **_prospect_fields(data),
                force=request.POST.get("force") == "1",
            )
        except services.PossibleDuplicates as error:
            duplicates = error.candidates
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Prospect created."))
            return redirect(scope.url("detail", prospect.pk))
    return render(
        request,
        "prospects/form.html",
        scope.context(form=form, prospect=None, duplicates=duplicates),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def merge(
    request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int, other_id: int
) -> HttpResponse:
    """Merge two records of one prospect, after confirmation: the one kept
    takes the other's history (``services.prospects_merge``)."""
    prospect = _prospect(scope, prospect_id)
    other = _prospect(scope, other_id)
    if prospect.pk == other.pk:
        raise Http404
    choices = [(prospect.pk, prospect.name), (other.pk, other.name)]
    form = MergeForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        keep, gone = (
            (prospect, other) if form.cleaned_data["keep"] == prospect.pk else (other, prospect)
        )
        try:
            kept = services.prospects_merge(keep=keep, other=gone, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(scope.url("detail", prospect.pk))
        messages.success(request, _("The two records are merged; both histories are kept."))
        return redirect(scope.url("detail", kept.pk))
    return render(
        request,
        "prospects/merge.html",
        scope.context(prospect=prospect, other=other, form=form),
    )


# --- Personal data on request (issue 15) ----------------------------------------------------


@require_safe
def personal_data_export(
    request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int
) -> HttpResponse:
    """The prospect's personal data as a JSON file, for the person who
    asked for it (``selectors.prospect_personal_data``)."""
    prospect = _prospect(scope, prospect_id)
    data = prospect_personal_data(prospect)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    filename = f"prospect-{prospect.pk}-donnees-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def personal_data_erase(
    request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int
) -> HttpResponse:
    """Erase the prospect's personal data at their request, after
    confirmation (``services.prospect_erase_on_request``)."""
    prospect = _prospect(scope, prospect_id)
    detail_url = scope.url("detail", prospect.pk)
    if prospect.anonymised_at is not None:
        messages.info(request, _("This prospect's personal data is already erased."))
        return redirect(detail_url)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.prospect_erase_on_request(prospect=prospect, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The prospect's personal data is erased."))
        return redirect(detail_url)
    return render(request, "prospects/erase.html", scope.context(prospect=prospect, form=form))


# --- The pre-filled application link (platform prospects) ---------------------------------


@require_POST
def application_link(
    request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int
) -> HttpResponse:
    """Make a new pre-filled application link for a platform prospect
    (any earlier one stops working), or revoke it (``action=revoke``)."""
    if not scope.is_platform:
        raise Http404
    prospect = _prospect(scope, prospect_id)
    if request.POST.get("action") == "revoke":
        application_links.application_link_revoke(prospect=prospect)
        messages.success(request, _("The application link no longer works."))
    elif not application_links.can_have_link(prospect):
        messages.error(request, _("Only an open prospect can get an application link."))
    else:
        application_links.application_link_create(prospect=prospect, actor=request.user)
        messages.success(
            request, _("Application link ready: copy it below and send it to the prospect.")
        )
    return redirect(scope.url("detail", prospect.pk))


@require_POST
def application_link_email(
    request: AuthenticatedHttpRequest, scope: Scope, prospect_id: int
) -> HttpResponse:
    """E-mail a platform prospect its pre-filled application link
    (``application_links.application_link_send``); a refusal says why and
    sends nothing."""
    if not scope.is_platform:
        raise Http404
    prospect = _prospect(scope, prospect_id)
    try:
        application_links.application_link_send(prospect=prospect, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Application link sent by e-mail to %(email)s.") % {"email": prospect.email},
        )
    return redirect(scope.url("detail", prospect.pk))


@require_http_methods(["GET", "HEAD", "POST"])
def application_link_open(request: HttpRequest, token: str) -> HttpResponse:
    """Where a pre-filled application link leads (anyone, logged in or
    not). GET (or HEAD) shows a page naming nothing of the prospect, with
    a button; its POST is the opening (``application_links``: a mail
    scanner fetches the link, a person presses the button): noted once,
    then the application, with what the link offers kept in the session
    (``eligibility.invitations``). An unusable link: a page that says why
    and names nothing of the prospect."""
    try:
        prospect = application_links.prospect_from_link(token)
    except LinkError as error:
        status = 410 if isinstance(error, LinkExpired | LinkRevoked) else 400
        return render(
            request,
            "prospects/application_link_invalid.html",
            {"message": error.message},
            status=status,
        )
    if request.method != "POST":
        return render(request, "prospects/application_link.html")
    staff = request.user.is_authenticated and request.user.is_staff
    if not staff and not application_links.looks_automated(request.headers.get("User-Agent", "")):
        application_links.application_link_opened(prospect=prospect)
    invitation_remember(request.session, application_links.link_invitation(prospect, token))
    if request.user.is_authenticated:
        return redirect("eligibility:step", step=1)
    return redirect("eligibility:apply")
