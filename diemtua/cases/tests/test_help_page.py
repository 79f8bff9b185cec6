"""The public help page: ask for help, confirmation with code and PIN, status, limits, poster."""

import datetime
import re
import uuid
import zlib
from collections import Counter

import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diemtua.audit.models import AuditEvent
from diemtua.cases import intake
from diemtua.cases.models import HelpRequest, Regulation, RequestStatus
from diemtua.cases.reference import groups_in_force
from diemtua.core import ratelimit

CRISIS_111 = 'href="tel:111"'
CRISIS_115 = 'href="tel:115"'
WRONG = "Mã tra cứu hoặc mã PIN không đúng"


@pytest.fixture
def client():
    """A client at an address of its own, so rate-limit counters never leak between tests."""
    return Client(REMOTE_ADDR=f"test-{uuid.uuid4().hex}")


def _form_url(school):
    return reverse("help_form", kwargs={"school_code": school.code})


def _key(client, school):
    page = client.get(_form_url(school)).content.decode()
    return re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)


def _post(client, school, key=None, **fields):
    data = {
        "requester": "student",
        "is_anonymous": "on",
        "class_name": "6a",
        "message": "Em bị các bạn trêu chọc mỗi ngày.",
        "contact_method": "code_only",
        "key": intake.new_idempotency_key() if key is None else key,
    }
    data.update(fields)
    return client.post(_form_url(school), {k: v for k, v in data.items() if v is not None})


def _code_and_pin(response):
    page = response.content.decode()
    code = re.search(r'id="tracking-code">([A-Z2-9]{4}-[A-Z2-9]{4})<', page)
    pin = re.search(r'id="tracking-pin">([0-9]{6})<', page)
    return (code.group(1) if code else None), (pin.group(1) if pin else None)


def _no_store(response):
    return "no-store" in response.get("Cache-Control", "")


# --- The form ----------------------------------------------------------------------------


def test_form_shows_plain_words_and_hides_the_honeypot(world, client):
    response = client.get(_form_url(world.school_a))
    assert response.status_code == 200
    assert _no_store(response)
    page = response.content.decode()
    groups = list(groups_in_force(timezone.localdate()))
    assert groups
    for group in groups:
        assert group.plain_label in page
        assert group.name not in page  # the regulation's wording is for staff
    assert world.school_a.name in page
    assert "Em có đang gặp nguy hiểm hoặc cần giúp ngay không?" in page
    assert 'name="is_anonymous"' in page and 'name="is_anonymous" checked' not in page
    assert CRISIS_111 in page
    honeypot = re.search(r'<input[^>]*name="hp_extra"[^>]*>', page).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert re.search(
        r'class="visually-hidden" aria-hidden="true">\s*<label for="id_hp_extra"', page
    )
    # No inline script or style (the CSP forbids them).
    assert "<script>" not in page and "style=" not in page


def test_form_uses_the_groups_in_force(world, client, settings):
    page = client.get(_form_url(world.school_a)).content.decode()
    in_force = groups_in_force(timezone.localdate()).values_list("regulation", flat=True)
    assert set(in_force) == {Regulation.CIRCULAR_18_2025}
    assert "Chuyện với bố mẹ, thầy cô hoặc bạn bè" not in page  # Circular 31/2017 only


def test_form_get_costs_few_queries(world, client, django_assert_max_num_queries):
    client.get(_form_url(world.school_a))
    with django_assert_max_num_queries(3):
        assert client.get(_form_url(world.school_a)).status_code == 200


def test_each_form_carries_a_new_key(world, client):
    assert _key(client, world.school_a) != _key(client, world.school_a)


# --- Submitting --------------------------------------------------------------------------


def test_submit_shows_code_and_pin_that_open_the_request(world, client):
    response = _post(client, world.school_a, is_anonymous=None, requester_name="Nguyễn Văn An")
    assert response.status_code == 200
    assert _no_store(response)
    code, pin = _code_and_pin(response)
    assert code and pin
    help_request = HelpRequest.objects.get()
    assert help_request.tracking_code == code
    assert help_request.school == world.school_a
    assert help_request.requester_name == "Nguyễn Văn An"
    assert help_request.class_name == "6A"
    assert not help_request.is_urgent
    assert intake.find_by_code_and_pin(code, pin) == help_request
    page = response.content.decode()
    assert reverse("help_status") in page
    assert "http://testserver/help/status/" in page
    # Not urgent: the confirmation does not lead with the emergency numbers.
    assert CRISIS_115 not in page


def test_anonymous_request_stores_no_name(world, client):
    response = _post(client, world.school_a, is_anonymous="on", requester_name="Nguyễn Văn An")
    assert response.status_code == 200
    help_request = HelpRequest.objects.get()
    assert help_request.is_anonymous
    assert help_request.requester_name == ""


def test_chosen_groups_and_contact_are_stored(world, client):
    groups = list(groups_in_force(timezone.localdate())[:2])
    response = _post(
        client,
        world.school_a,
        message="",
        content_groups=[g.pk for g in groups],
        contact_method="phone",
        contact_detail="0912 345 678",
        contact_time="giờ ra chơi",
    )
    assert response.status_code == 200, response.content.decode()
    help_request = HelpRequest.objects.get()
    assert set(help_request.content_groups.all()) == set(groups)
    assert help_request.contact_detail == "0912 345 678"
    assert help_request.contact_time == "giờ ra chơi"


def test_same_key_twice_stores_one_request_and_shows_the_same_code(world, client):
    key = _key(client, world.school_a)
    first = _post(client, world.school_a, key=key)
    second = _post(client, world.school_a, key=key)
    assert first.status_code == second.status_code == 200
    assert HelpRequest.objects.count() == 1
    assert _code_and_pin(first) == _code_and_pin(second) != (None, None)


def test_a_late_replay_says_already_sent_without_code_or_pin(world, client):
    key = _key(client, world.school_a)
    _post(client, world.school_a, key=key)
    HelpRequest.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    response = _post(client, world.school_a, key=key)
    assert response.status_code == 200
    page = response.content.decode()
    assert "đã được gửi rồi" in page
    assert _code_and_pin(response) == (None, None)
    assert HelpRequest.objects.get().tracking_code not in page
    assert HelpRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "danger"),
    [
        ({"said_urgent": "on"}, False),
        ({"message": "Em không muốn sống nữa, tối nay em định tự tử"}, True),
        ({"message": "bo em danh dap em moi toi, em bi danh"}, True),
    ],
)
def test_urgent_request_shows_111_and_115_before_the_code(world, client, fields, danger):
    response = _post(client, world.school_a, **fields)
    assert response.status_code == 200
    page = response.content.decode()
    code, pin = _code_and_pin(response)
    assert code and pin
    assert CRISIS_111 in page and CRISIS_115 in page
    assert page.index(CRISIS_111) < page.index(code)
    assert page.index(CRISIS_115) < page.index(code)
    help_request = HelpRequest.objects.get()
    assert help_request.is_urgent
    assert help_request.danger_detected is danger


def test_honeypot_stores_nothing(world, client):
    response = _post(client, world.school_a, hp_extra="http://spam.example")
    assert response.status_code == 200
    assert HelpRequest.objects.count() == 0
    page = response.content.decode()
    assert "http://spam.example" not in page  # the trap is emptied for a person who retries
    assert "Em bị các bạn trêu chọc mỗi ngày." in page


def test_missing_content_keeps_what_was_typed(world, client):
    response = _post(
        client, world.school_a, message="", is_anonymous=None, requester_name="Trần Thị Bình"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hãy chọn em cần giúp về chuyện gì hoặc viết vài dòng." in page
    assert 'value="Trần Thị Bình"' in page
    assert 'value="6a"' in page
    assert HelpRequest.objects.count() == 0


def test_named_request_without_a_name_is_refused_with_a_message(world, client):
    response = _post(client, world.school_a, is_anonymous=None, requester_name="")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hãy cho biết tên, hoặc chọn gửi ẩn danh." in page
    assert "Em bị các bạn trêu chọc mỗi ngày." in page
    assert HelpRequest.objects.count() == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"requester": "teacher"},  # only students, parents and friends ask here
        {"requester": ""},
        {"contact_method": "pigeon"},
        {"content_groups": ["999999"]},
        {"content_groups": ["abc"]},
        # Beyond 64 bits: SQLite would raise OverflowError (a 500) if it reached the database.
        {"content_groups": ["99999999999999999999"]},
        {"content_groups": ["-1"]},
        {"content_groups": ["²"]},  # a Unicode digit that int() refuses
        {"message": "x" * 5000},
        {"class_name": "x" * 50},
        {"contact_method": "phone", "contact_detail": ""},
        {"key": "not-a-key"},
        {"key": ""},
    ],
)
def test_bad_input_gets_a_message_never_a_500(world, client, fields):
    response = _post(client, world.school_a, **fields)
    assert response.status_code == 200
    assert HelpRequest.objects.count() == 0
    page = response.content.decode()
    assert 'class="alert alert-danger"' in page or 'class="alert alert-info"' in page
    # A form re-shown always carries a usable key for the next tap.
    assert re.search(r'name="key" value="[0-9a-f]{32}"', page)


def test_an_old_regulations_group_is_refused(world, client):
    old = groups_in_force(datetime.date(2024, 3, 1)).first()
    response = _post(client, world.school_a, content_groups=[old.pk])
    assert response.status_code == 200
    assert HelpRequest.objects.count() == 0


def test_csrf_is_enforced(world):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=f"test-{uuid.uuid4().hex}")
    key = _key(client, world.school_a)
    data = {"requester": "student", "is_anonymous": "on", "message": "Em buồn", "key": key}
    data["contact_method"] = "code_only"
    client.cookies.clear()
    assert client.post(_form_url(world.school_a), data).status_code == 403
    assert HelpRequest.objects.count() == 0
    # With the form's token it goes through.
    page = client.get(_form_url(world.school_a)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(_form_url(world.school_a), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert HelpRequest.objects.count() == 1


# --- Rate limits -------------------------------------------------------------------------


def test_too_many_from_one_address_is_429_with_the_text_kept(world, client, settings):
    settings.DIEMTUA_HELP_RATE_ADDRESS = "2/600"
    assert _post(client, world.school_a).status_code == 200
    assert _post(client, world.school_a).status_code == 200
    response = _post(client, world.school_a, message="Lời nhắn thứ ba của em")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert _no_store(response)
    page = response.content.decode()
    assert "Lời nhắn thứ ba của em" in page
    assert "một phút" in page
    assert CRISIS_111 in page
    assert page.index(CRISIS_111) < page.index('name="message"')
    assert HelpRequest.objects.count() == 2
    # Another address (another school's Wi-Fi) is not blocked.
    other = Client(REMOTE_ADDR=f"test-{uuid.uuid4().hex}")
    assert _post(other, world.school_a).status_code == 200
    assert HelpRequest.objects.count() == 3


def test_too_many_for_one_school_is_429(world, settings):
    settings.DIEMTUA_HELP_RATE_SCHOOL = "1/600"
    ratelimit.reset("help-school", str(world.school_a.pk))
    ratelimit.reset("help-school", str(world.school_b.pk))
    first, second = (Client(REMOTE_ADDR=f"test-{uuid.uuid4().hex}") for _ in range(2))
    assert _post(first, world.school_a).status_code == 200
    assert _post(second, world.school_a).status_code == 429
    assert _post(second, world.school_b).status_code == 200  # other schools go on
    assert HelpRequest.objects.filter(school=world.school_a).count() == 1
    ratelimit.reset("help-school", str(world.school_a.pk))
    ratelimit.reset("help-school", str(world.school_b.pk))


def test_a_class_on_one_wifi_is_not_blocked_by_default(world, client):
    for _ in range(45):
        assert _post(client, world.school_a).status_code == 200
    assert HelpRequest.objects.count() == 45


# --- Status ------------------------------------------------------------------------------


def _submitted(world, **fields):
    values = {
        "school": world.school_a,
        "requester": "student",
        "is_anonymous": True,
        "message": "Em cần nói chuyện với cô.",
        "idempotency_key": intake.new_idempotency_key(),
    }
    values.update(fields)
    return intake.help_request_submit(**values)


def _status(client, code, pin):
    return client.post(reverse("help_status"), {"code": code, "pin": pin})


def test_status_page_asks_for_code_and_pin(client):
    response = client.get(reverse("help_status"))
    assert response.status_code == 200
    assert _no_store(response)
    page = response.content.decode()
    assert 'name="code"' in page and 'name="pin"' in page


def test_status_with_right_code_and_pin_shows_the_reply(world, client):
    submitted = _submitted(world)
    help_request = submitted.help_request
    replied_at = datetime.datetime(2026, 3, 9, 7, 5, tzinfo=datetime.UTC)  # 14:05 in Hà Nội
    HelpRequest.objects.filter(pk=help_request.pk).update(
        status=RequestStatus.ANSWERED, replied_at=replied_at
    )
    help_request.refresh_from_db()
    help_request.reply = "Chào em, thứ Hai cô gặp em ở phòng tư vấn nhé."
    help_request.save(update_fields=["reply"])
    # The code is typed in lower case, without the dash, the PIN with a space.
    code = help_request.tracking_code.replace("-", "").lower()
    response = _status(client, code, f"{submitted.pin[:3]} {submitted.pin[3:]}")
    assert response.status_code == 200
    assert _no_store(response)
    page = response.content.decode()
    assert "Chào em, thứ Hai cô gặp em ở phòng tư vấn nhé." in page
    assert "09/03/2026 14:05" in page
    assert "Đã xong" in page
    event = AuditEvent.objects.get(action="cases.request_status_view")
    assert event.object_id == str(help_request.pk)
    assert event.org_unit_id == world.school_a.pk
    assert event.actor_id is None


@pytest.mark.parametrize(
    ("status", "word"),
    [(RequestStatus.NEW, "Đã gửi"), (RequestStatus.ANSWERED, "Đã xong")],
)
def test_status_words(world, client, status, word):
    submitted = _submitted(world)
    HelpRequest.objects.filter(pk=submitted.help_request.pk).update(status=status)
    page = _status(client, submitted.help_request.tracking_code, submitted.pin).content.decode()
    assert f'id="request-status">{word}<' in page
    assert "Thầy cô chưa viết trả lời" in page


def test_wrong_code_or_pin_gets_one_neutral_message(world, client):
    submitted = _submitted(world)
    code = submitted.help_request.tracking_code
    wrong_pin = f"{(int(submitted.pin) + 1) % 1_000_000:06d}"
    answers = [
        _status(client, code, wrong_pin),
        _status(client, "ZZZZ-ZZZZ", submitted.pin),
        _status(client, "not a code", "12"),
    ]
    for response in answers:
        assert response.status_code == 200
        page = response.content.decode()
        assert WRONG in page
        assert "Em cần nói chuyện với cô." not in page
    assert not AuditEvent.objects.filter(action="cases.request_status_view").exists()


def test_brute_force_on_one_code_is_refused_with_429(world, client, settings):
    submitted = _submitted(world)
    code = submitted.help_request.tracking_code
    wrong_pin = f"{(int(submitted.pin) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert _status(client, code, wrong_pin).status_code == 200
    # Even the right PIN, from anywhere, is refused while the code is locked.
    elsewhere = Client(REMOTE_ADDR=f"test-{uuid.uuid4().hex}")
    response = _status(elsewhere, code, submitted.pin)
    assert response.status_code == 429
    assert _no_store(response)
    page = response.content.decode()
    assert CRISIS_111 in page
    assert "Chào em" not in page and "Em cần nói chuyện với cô." not in page
    assert not AuditEvent.objects.filter(action="cases.request_status_view").exists()


def test_brute_force_from_one_address_is_refused_with_429(world, client, settings):
    settings.DIEMTUA_STATUS_RATE_ADDRESS = "3/900"
    submitted = _submitted(world)
    for code in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"):
        assert _status(client, code, "123456").status_code == 200
    response = _status(client, submitted.help_request.tracking_code, submitted.pin)
    assert response.status_code == 429


def test_right_answers_do_not_use_up_the_limit(world, client):
    submitted = _submitted(world)
    for _ in range(8):
        response = _status(client, submitted.help_request.tracking_code, submitted.pin)
        assert response.status_code == 200


def test_pin_is_kept_as_a_keyed_hmac_that_opens_the_request(world):
    submitted = _submitted(world)
    stored = submitted.help_request.pin_hash
    assert stored.startswith("hmac-sha256$")
    assert submitted.pin not in stored
    # A salt per request: the same PIN never gives the same stored value twice.
    assert intake.hash_pin(submitted.pin) != intake.hash_pin(submitted.pin)
    code = submitted.help_request.tracking_code
    wrong_pin = f"{(int(submitted.pin) + 1) % 1_000_000:06d}"
    assert intake.find_by_code_and_pin(code, submitted.pin) == submitted.help_request
    assert intake.find_by_code_and_pin(code, wrong_pin) is None


def test_pin_hash_needs_the_server_key(world, settings):
    """Someone with the database but not SECRET_KEY cannot test a guess against it."""
    submitted = _submitted(world)
    code = submitted.help_request.tracking_code
    key_it_was_made_with = settings.SECRET_KEY
    settings.SECRET_KEY = "another-server-key-" + "x" * 40
    assert intake.find_by_code_and_pin(code, submitted.pin) is None
    # A rotated key kept in SECRET_KEY_FALLBACKS still opens the requests made under it.
    settings.SECRET_KEY_FALLBACKS = [key_it_was_made_with]
    assert intake.find_by_code_and_pin(code, submitted.pin) == submitted.help_request


def test_argon2_pin_hashes_stored_before_still_open_their_request(world, client, settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    submitted = _submitted(world)
    help_request = submitted.help_request
    HelpRequest.objects.filter(pk=help_request.pk).update(
        pin_hash=make_password(submitted.pin, hasher="argon2")
    )
    help_request.refresh_from_db()
    assert help_request.pin_hash.startswith("argon2$")
    code = help_request.tracking_code
    wrong_pin = f"{(int(submitted.pin) + 1) % 1_000_000:06d}"
    assert intake.find_by_code_and_pin(code, submitted.pin) == help_request
    assert intake.find_by_code_and_pin(code, wrong_pin) is None
    page = _status(client, code, submitted.pin).content.decode()
    assert 'id="request-status">Đã gửi<' in page


# --- Unknown and closed schools, other methods --------------------------------------------


def test_unknown_school_is_a_friendly_404(world, client):
    for url in (
        reverse("help_form", kwargs={"school_code": "99-NOPE"}),
        reverse("help_poster", kwargs={"school_code": "99-NOPE"}),
        reverse("help_form", kwargs={"school_code": world.dept_a.code}),  # not a school
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert CRISIS_111 in response.content.decode()
    response = _post(client, type("S", (), {"code": "99-NOPE"})())
    assert response.status_code == 404
    assert HelpRequest.objects.count() == 0


def test_closed_school_is_404(world, client):
    world.school_b.valid_to = timezone.localdate() - datetime.timedelta(days=1)
    world.school_b.save(update_fields=["valid_to"])
    assert client.get(_form_url(world.school_b)).status_code == 404
    assert _post(client, world.school_b).status_code == 404
    poster = reverse("help_poster", kwargs={"school_code": world.school_b.code})
    assert client.get(poster).status_code == 404
    assert HelpRequest.objects.count() == 0


def test_logged_in_staff_see_the_same_public_page(world, client):
    client.force_login(world.users["counselor_b"])
    assert client.get(_form_url(world.school_a)).status_code == 200


# --- Poster ------------------------------------------------------------------------------


def _qr_from_pdf(pdf: bytes) -> list[list[int]]:
    """Rebuild the QR matrix from the filled squares the PDF draws."""
    content = b""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content += zlib.decompress(match.group(1))
        except zlib.error:
            content += match.group(1)
    rects = [
        tuple(float(n) for n in m.groups())
        for m in re.finditer(rb"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re\s+f", content)
    ]
    module = Counter(abs(round(r[3], 1)) for r in rects).most_common(1)[0][0]
    squares = [r for r in rects if abs(round(r[3], 1)) == module]
    left = min(r[0] for r in squares)
    top = max(r[1] for r in squares)  # PDF y grows upwards; fpdf2 draws with a negative height
    size = round((max(r[0] + r[2] for r in squares) - left) / module)
    matrix = [[0] * size for _ in range(size)]
    for x, y, width, _h in squares:
        row, col = round((top - y) / module), round((x - left) / module)
        for offset in range(round(width / module)):
            matrix[row][col + offset] = 1
    return matrix


def test_poster_is_a_pdf_whose_qr_code_links_to_the_help_page(world, client):
    response = client.get(reverse("help_poster", kwargs={"school_code": world.school_a.code}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="diemtua-01-A.pdf"' in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    url = "http://testserver/help/01-A/"
    assert f"/URI ({url})".encode() in pdf
    expected = [list(row) for row in segno.make_qr(url, error="m").matrix]
    assert _qr_from_pdf(pdf) == expected
    other = [list(row) for row in segno.make_qr(url + "x", error="m").matrix]
    assert _qr_from_pdf(pdf) != other


def test_poster_uses_the_public_address_when_set(world, client, settings):
    settings.DIEMTUA_PUBLIC_URL = "https://diemtua.example.vn"
    response = client.get(reverse("help_poster", kwargs={"school_code": world.school_a.code}))
    url = "https://diemtua.example.vn/help/01-A/"
    assert f"/URI ({url})".encode() in response.content
    assert _qr_from_pdf(response.content) == [
        list(row) for row in segno.make_qr(url, error="m").matrix
    ]


def test_poster_downloads_are_limited_per_address(world, client, settings):
    settings.DIEMTUA_POSTER_RATE_ADDRESS = "1/600"
    url = reverse("help_poster", kwargs={"school_code": world.school_a.code})
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert CRISIS_111 in response.content.decode()


def test_a_key_carried_to_another_schools_page_is_not_a_retry(world, client):
    key = _key(client, world.school_a)
    _post(client, world.school_a, key=key)
    response = _post(client, world.school_b, key=key, message="Lời nhắn cho trường khác")
    assert response.status_code == 200
    assert _code_and_pin(response) == (None, None)
    assert HelpRequest.objects.count() == 1
    assert "Lời nhắn cho trường khác" in response.content.decode()  # kept to send again
