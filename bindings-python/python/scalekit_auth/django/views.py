"""The auth routes: login, sign-up, callback, logout and back-channel logout. Each is the
engine's decision written out; CSRF is the engine's own (a logout only from this site),
since the provider's POSTs carry no Django token."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import _wsgi
from .conf import get_auth
from .responses import add_cookies, answer, response_of

_MAX_BACKCHANNEL_BODY = 64 * 1024


def _login(request: HttpRequest, signup: bool) -> HttpResponseBase:
    method, path_and_query, headers = _wsgi.engine_request(request.META)
    # Django's login_required sends `next`; the engine reads `return_to` (and checks it).
    following = request.GET.get("next")
    if following and "return_to" not in request.GET:
        path_and_query = _wsgi.with_query(path_and_query, "return_to", following)
    return answer(request, get_auth().engine.handle_login_sync(method, path_and_query, headers, signup))


@require_GET
def login(request: HttpRequest) -> HttpResponseBase:
    """Starts a login at the provider (``?return_to=`` or Django's ``?next=``)."""
    return _login(request, False)


@require_GET
def signup(request: HttpRequest) -> HttpResponseBase:
    """Starts a sign-up at the provider."""
    return _login(request, True)


@require_GET
def callback(request: HttpRequest) -> HttpResponseBase:
    """The provider's redirect back: the session opens here."""
    auth = get_auth()
    parts = _wsgi.engine_request(request.META)
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


@csrf_exempt
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponseBase:
    """Ends the session: a POST from this site, or a GET confirmed on a page."""
    return answer(request, get_auth().engine.handle_logout_sync(*_wsgi.engine_request(request.META)))


@csrf_exempt
@require_POST
def backchannel_logout(request: HttpRequest) -> HttpResponseBase:
    """The provider's POST of a logout token (OpenID Back-Channel Logout)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > _MAX_BACKCHANNEL_BODY:
        return HttpResponse('{"error":"invalid_request"}', status=413, content_type="application/json")
    return response_of(get_auth().engine.handle_backchannel_logout_sync(request.method or "POST", request.body))
