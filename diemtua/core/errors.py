"""Error reports that cannot leak what a child confided.

Django's debug page and the error e-mails show each frame's local variables and the POST body.
In a counseling system those hold decrypted notes, so both are replaced by a mask, whatever
DEBUG says; the traceback itself (file, line, function) is still there for the developer.
"""

from django.views.debug import SafeExceptionReporterFilter

MASK = "********** (ẩn: có thể chứa thông tin bí mật)"


class ConfidentialExceptionReporterFilter(SafeExceptionReporterFilter):
    cleansed_substitute = MASK

    def is_active(self, request):
        return True

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, MASK)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [("(locals)", MASK)]
