"""Score a paper form: `manage.py score_instrument PHQ9 0,1,2,1,0,0,1,2,0`.

Prints `total=<n> band=<band code>` (and the flags raised, with -v 2), using the instrument's
current version and the same engine as the phone form, so support staff can check a paper
form against what the system computed.
"""

from django.core.management.base import BaseCommand, CommandError

from diemtua.screening.models import Instrument
from diemtua.screening.scoring import AnswerError, answers_from_values, score


class Command(BaseCommand):
    help = "Score answers to an instrument: CODE and comma-separated values in item order."

    def add_arguments(self, parser):
        parser.add_argument("code", help="instrument code, e.g. PHQ9 or GAD7")
        parser.add_argument("values", help="answer values in item order, e.g. 0,1,2,3,0,0,1,0,0")
        parser.add_argument("--form-version", dest="number", type=int, help="version number")

    def handle(self, *args, code, values, number=None, **options):
        instrument = Instrument.objects.filter(code__iexact=code.strip()).first()
        if instrument is None:
            known = ", ".join(Instrument.objects.values_list("code", flat=True))
            raise CommandError(f"Không có bảng hỏi mã {code!r} (có: {known}).")
        version = (
            instrument.versions.filter(number=number).first()
            if number
            else instrument.current_version()
        )
        if version is None:
            raise CommandError(f"{instrument.code} không có phiên bản {number}.")
        definition = version.definition
        if definition.get("scoring", {}).get("method") != "sum":
            raise CommandError(f"{instrument.code} không tính điểm.")
        try:
            answers = answers_from_values(definition, values.split(","))
        except AnswerError as error:
            lines = [f"{item or code}: {message}" for item, message in error.errors.items()]
            raise CommandError("\n".join(lines)) from None
        result = score(definition, answers)
        self.stdout.write(f"total={result.total} band={result.band}")
        if options["verbosity"] >= 2:
            codes = ",".join(flag.code for flag in result.flags) or "-"
            self.stdout.write(f"flags={codes}")
