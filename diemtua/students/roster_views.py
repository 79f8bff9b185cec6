# Placeholder while the roster import/export is written (same session); replaced before commit.
from django.http import HttpResponse


def student_import(request):
    return HttpResponse(status=501)


def student_import_template(request):
    return HttpResponse(status=501)


def student_export(request):
    return HttpResponse(status=501)
