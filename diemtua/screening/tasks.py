"""Background jobs of the screening app's surveys (Celery beat; eagerly in the embedded default)."""

from celery import shared_task
from django.utils import timezone

from . import survey_services


@shared_task(name="screening.notify_new_survey", ignore_result=True)
def notify_new_survey(survey_id: int) -> int:
    """Tell a new survey's recipients; idempotent (one dedupe key per recipient)."""
    return survey_services.survey_notify_new(survey_id=survey_id)


@shared_task(name="screening.remind_surveys", ignore_result=True)
def remind_surveys() -> int:
    """Remind those who have not answered: 3 days before the deadline, on the day, and the day
    after (when the owner also learns how many did not answer).

    Idempotent: recipients reminded today are skipped and each stage's notification has a
    dedupe key, so the hourly run (or a retry) sends nothing twice.
    """
    today = timezone.localdate()
    return sum(
        survey_services.survey_remind_due(survey=survey, today=today)
        for survey in survey_services.Survey.objects.filter(
            pk__in=survey_services.surveys_to_remind(today)
        )
    )
