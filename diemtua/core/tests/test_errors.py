import sys
import uuid

from django.test import RequestFactory
from django.views.debug import ExceptionReporter

# Built at run time: the report shows source lines, and this must only be a runtime value.
SECRET = f"ghi chép bí mật {uuid.uuid4().hex}"


def _report(request):
    notes = SECRET  # noqa: F841 — a local variable the report must not show
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        return ExceptionReporter(request, *sys.exc_info(), is_email=False).get_traceback_html()


def test_debug_page_and_error_reports_hide_locals_and_form_values(settings):
    settings.DEBUG = True
    request = RequestFactory().post("/cases/1/sessions/new/", {"notes": SECRET})
    html = _report(request)
    assert "RuntimeError" in html and "_report" in html  # still useful to a developer
    assert SECRET not in html
    assert "notes" in html  # the field name stays, its value is masked
