from decimal import Decimal

from diemtua.accounts.models import User
from diemtua.trainings import selectors
from diemtua.trainings.demo import seed_trainings
from diemtua.trainings.models import (
    Attendance,
    Certificate,
    Exchange,
    LibraryDocument,
    LibraryVersion,
    Participant,
    Training,
)


def test_demo_seeds_once_and_hours_add_up(seeded_demo, db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads", "base_url": None},
        },
    }
    # seed_demo (the module's seeded_demo) already ran the seeder: running it again adds nothing.
    assert Training.objects.count() == 3 and Exchange.objects.count() == 2
    assert seed_trainings() == 0
    national = Training.objects.get(starts_on__year=2024)
    assert national.hours == 24 and national.participants.count() == 18
    states = list(national.participants.values_list("attendance", flat=True))
    assert states.count(Attendance.ABSENT) == 1 and states.count(Attendance.PARTIAL) == 1
    assert Certificate.objects.filter(participant__training=national).count() == 16
    assert LibraryVersion.objects.filter(document__title__startswith="Hướng dẫn").count() == 2
    assert LibraryDocument.objects.count() == 5
    rows = {
        r["person_key"]: r["hours"]
        for r in selectors.staff_hours(fetched_by=User.objects.get(username="so.hanoi"))
    }
    trungtu = Participant.objects.filter(user__username="tv.trungtu").first()
    assert rows[trungtu.person_key] == Decimal("40")  # 24 in June 2024 + 16 in October 2025
