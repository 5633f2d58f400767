"""The auth routes: login, sign-up, callback, logout and back-channel logout. Each is the
engine's decision written out; CSRF is the engine's own (a logout only from this site),
since the provider's POSTs carry no Django token."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import _wsgi
from .conf import get_auth
from .middleware import engine_request, request_auth
from .responses import add_cookies, answer, response_of

_MAX_BACKCHANNEL_BODY = 64 * 1024


def _login(request: HttpRequest, signup: bool) -> HttpResponseBase:
    method, path_and_query, headers = engine_request(request)
    if request.GET.get("next") and request_auth(request).identity(request) is not None:
        # Django's permission_required and user_passes_test send a signed-in user who
        # fails them here: a new login would come straight back to the same refusal.
        raise PermissionDenied("signed in, without what the page needs")
    # Django's `next` is read as the engine's `return_to` (which it checks).
    path_and_query = _wsgi.following(path_and_query)
    return answer(request, get_auth().engine.handle_login_sync(method, path_and_query, headers, signup))


# Every route is open to everyone under Django's LoginRequiredMiddleware too.
@login_not_required
@require_GET
def login(request: HttpRequest) -> HttpResponseBase:
    """Starts a login at the provider (``?return_to=`` or Django's ``?next=``)."""
    return _login(request, False)


@login_not_required
@require_GET
def signup(request: HttpRequest) -> HttpResponseBase:
    """Starts a sign-up at the provider."""
    return _login(request, True)


@login_not_required
@require_GET
def callback(request: HttpRequest) -> HttpResponseBase:
    """The provider's redirect back: the session opens here."""
    auth = get_auth()
    parts = engine_request(request)
    if auth.after_callback is None:
        return answer(request, auth.engine.handle_callback_sync(*parts))
    pending = auth.engine.begin_callback_sync(*parts)
    request.scalekit_return_to = pending.return_to  # type: ignore[attr-defined]
    verdict = _wsgi.run_after_callback(auth.after_callback, request, pending.result, HttpResponseBase)
    if verdict.answer is not None:
        decision = auth.engine.finish_callback_sync(*parts, pending, None, verdict.deny, open_session=False)
        if decision.error is not None:
            return answer(request, decision)
        own: HttpResponseBase = verdict.answer
        add_cookies(own, decision.set_cookies)
        return own
    try:
        decision = auth.engine.finish_callback_sync(*parts, pending, verdict.app_data, verdict.deny)
    except TypeError as error:
        raise TypeError(f"the app data after_callback returned is not JSON: {error}") from error
    return answer(request, decision)


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponseBase:
    """Ends the session: a POST from this site, or a GET confirmed on a page."""
    return answer(request, get_auth().engine.handle_logout_sync(*engine_request(request)))


@login_not_required
@csrf_exempt
@require_POST
def backchannel_logout(request: HttpRequest) -> HttpResponseBase:
    """The provider's POST of a logout token (OpenID Back-Channel Logout)."""
    too_large = HttpResponse('{"error":"invalid_request"}', status=413, content_type="application/json")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > _MAX_BACKCHANNEL_BODY:
        return too_large
    body = request.read(_MAX_BACKCHANNEL_BODY + 1)
    if len(body) > _MAX_BACKCHANNEL_BODY:
        return too_large
    return response_of(get_auth().engine.handle_backchannel_logout_sync(request.method or "POST", body))
