"""The demo hospital's referrals: one new, one accepted with an appointment, one closed."""

import pytest
from django.urls import reverse

from diemtua.accounts.models import User
from diemtua.referrals.demo import seed_referrals
from diemtua.referrals.models import Referral, ReferralStatus


@pytest.fixture
def demo(seeded_demo, db):
    return Referral.objects.filter(provider__code="01-BVTTHN")


def test_dt_hanoi_has_the_three_referrals(demo, client):
    assert sorted(demo.values_list("status", flat=True)) == sorted(
        [ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.CLOSED]
    )
    assert {r.school.code for r in demo} == {"01-MINHPHU", "01-LINHNAM", "01-TRUNGTU"}
    accepted = demo.get(status=ReferralStatus.ACCEPTED)
    assert accepted.appointments.exists()
    closed = demo.get(status=ReferralStatus.CLOSED)
    assert closed.outcome == "successful" and closed.feedback and closed.consent_id
    assert all(r.consent_id and not r.emergency_id for r in demo)
    client.force_login(User.objects.get(username="dt.hanoi"))
    page = client.get(reverse("partner_referral_list")).content.decode()
    for referral in demo:
        assert reverse("partner_referral_detail", args=[referral.pk]) in page
    assert client.get(reverse("partner_referral_detail", args=[closed.pk])).status_code == 200
    assert seed_referrals() == 0
