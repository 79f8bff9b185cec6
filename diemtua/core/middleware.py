import re
import uuid

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give each request an id (or keep a proxy's X-Request-ID) so audit rows can be traced."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        # A client could forge the header; only a proxy we run may set it (setting below).
        incoming = request.headers.get("X-Request-ID", "") if settings.TRUST_REQUEST_ID else ""
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class VietnameseFirstMiddleware:
    """Vietnamese unless the user chose English with the switch (the language cookie).

    Many Vietnamese staff use browsers set to English; following Accept-Language would give them
    an English UI they did not ask for. Placed before LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RejectNulMiddleware:
    """Answer 400 to a NUL character in the address or a form.

    PostgreSQL text cannot hold NUL, so such input would otherwise reach the database and fail
    there with a 500. No legitimate form or search contains one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseBadRequest
        from django.utils.translation import gettext as _

        values = [request.path]
        values += [v for _key, vs in request.GET.lists() for v in vs]
        if request.method == "POST" and not request.content_type.startswith("multipart/"):
            values += [v for _key, vs in request.POST.lists() for v in vs]
        if any("\x00" in value for value in values):
            return HttpResponseBadRequest(
                _("Dữ liệu gửi lên có ký tự không hợp lệ. Hãy nhập lại."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Pages for logged-in people are never stored by browsers or proxies.

    On a shared school computer, Back after logout must not show a child's record.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.cache import patch_cache_control, patch_vary_headers

        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        # A full page and its HTMX fragment share a URL; caches must keep them apart.
        patch_vary_headers(response, ["HX-Request"])
        return response


class HtmxLoginRedirectMiddleware:
    """When a session ends during an HTMX request, send the whole page to the login form.

    Without this, the login page would be swapped into the results area of the old page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.shortcuts import resolve_url
        from django_htmx.http import HttpResponseClientRedirect

        response = self.get_response(request)
        login_url = resolve_url(settings.LOGIN_URL)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response.get("Location", "").startswith(login_url)
        ):
            return HttpResponseClientRedirect(response["Location"])
        return response
