# Vietnamese sentences read better unbroken:
# ruff: noqa: E501
"""Demo help requests and cases for the 18 pilot schools (issue 4, item 9).

Called at the end of `seed_demo`. Everything is written through the intake and case services,
so each row passes the same checks as a counselor's work and leaves the same audit trail; the
text is believable but invented, about students already on each school's demo roster.

Per school: 2–4 requests waiting in the queue (some urgent, some anonymous; at Trung Tự one is a
referral by `gv.trungtu`), one case in every step of the social-work process, a closed case
whose web request carries a reply the student reads on the status page, a reopened case, a
restricted high-risk case, and one closed case from the 2024 pilot filed under Circular
31/2017's content groups. Trung Tự gets a second counselor, `tv2.trungtu`, so a restricted case
visibly hides from one of the two.

The services stamp "now" on what they record (stage changes, replies, closing dates, overrides,
disclosures, finished actions). A backfilled record would then look as if all of it happened
today, so after each service call the demo moves those stamps to the date the step is meant to
have happened, with a plain queryset `.update()` (see `_backdate`). Only timestamps move; every
row was created and checked by the service, and the audit trail keeps the real time of seeding.

Idempotent: a school that already has requests or cases is left alone.
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from diemtua.accounts.models import User
from diemtua.accounts.roles import Role
from diemtua.core.demo import _ensure_user, school_code
from diemtua.core.demo_data import LOCALITIES
from diemtua.orgs.models import OrgKind, OrgUnit, SchoolLevel
from diemtua.students.models import Student

from . import alerts, intake, services
from .consent import CHILD_CONSENT_AGE, age_on
from .models import (
    ActionStatus,
    AlertReason,
    Assessment,
    Case,
    ConsentGiver,
    ConsentMethod,
    ContactMethod,
    ContentGroup,
    Disclosure,
    EmergencyOverride,
    HelpRequest,
    Outcome,
    PlanAction,
    ReportedTo,
    Requester,
    RiskLevel,
    SafeguardingAlert,
    Scope,
    SessionForm,
    Stage,
    StageChange,
    SupportPlan,
)

SEED = "diemtua-demo-cases"
TRUNGTU = "01-TRUNGTU"
MINHPHU = "01-MINHPHU"
SECOND_COUNSELOR = ("tv2.trungtu", "Đặng Thu Hà")
HOSPITAL = "Bệnh viện Tâm thần Hà Nội"
# The two schools where a counselor had to act before consent (a session with its reason),
# and the one whose high-risk case was shared with the hospital on the student's and the
# guardian's consent.
EMERGENCY_SCHOOLS = {"01-MINHPHU", "79-LEQUYDON"}
DISCLOSURE_SCHOOL = "01-MINHPHU"
# The 2024 pilot ran from February to August 2024.
PILOT_FIRST_OPENING = datetime.date(2024, 2, 26)
PILOT_LAST_OPENING = datetime.date(2024, 4, 26)

P, L, U = SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY
COUNSELOR_OWNER = "Cán bộ tư vấn"
PARENT_MARK = "PH|"  # a session note starting with this had a parent present


@dataclass(frozen=True)
class Scenario:
    """One believable problem, with what each step of the work would record about it.

    `{cls}` and `{grade}` in owners and texts become the student's class and grade. `notes`
    are the session notes in order; a note starting with "PH|" had the parent in the room.
    """

    key: str
    levels: tuple[str, ...]
    groups: tuple[str, ...]  # Circular 18/2025 codes
    old_groups: tuple[str, ...]  # Circular 31/2017 codes, for the 2024 records
    request: str  # in the student's words
    summary: str
    risk: str
    risk_reasons: str
    protective: str
    needs: str
    goals: str
    actions: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    next_steps: str
    closing: str
    outcome: str = Outcome.IMPROVED
    group_note: str = ""  # set when a small-group session suits the problem
    parent_request: str = ""  # in a parent's words
    high_risk: bool = False
    restricted: bool = False
    grades: tuple[int, int] = (1, 12)  # when the text names a grade ("Em học lớp 9")


SCENARIOS = (
    # --- Primary school --------------------------------------------------------------------
    Scenario(
        key="p_bullying",
        levels=(P,),
        groups=("tt18_gender_social", "tt18_social_work"),
        old_groups=("tt31_skills_violence", "tt31_relationships"),
        request="Mấy bạn ngồi bàn sau hay giấu bút với cặp của em, còn đặt biệt danh để trêu. Em nói thì các bạn cười. Em không muốn đi học nữa.",
        parent_request="Con tôi về kể hay bị mấy bạn trong lớp giấu đồ, trêu biệt danh. Mấy hôm nay sáng nào cháu cũng kêu đau bụng không muốn đi học. Mong cô tư vấn giúp gia đình.",
        summary="Em bị một nhóm bạn cùng lớp trêu chọc, đặt biệt danh và giấu đồ dùng học tập khoảng một tháng nay; em ngại đi học, sáng hay kêu đau bụng.",
        risk=RiskLevel.LOW,
        risk_reasons="Chưa có bạo lực thể chất; em buồn, ngại đến lớp nhưng vẫn ăn ngủ bình thường.",
        protective="Mẹ quan tâm, đưa đón hằng ngày; em có một bạn thân cùng lớp; cô chủ nhiệm sẵn sàng phối hợp.",
        needs="Được an toàn ở lớp; biết cách nói “không” và tìm người lớn giúp; các bạn hiểu việc trêu chọc làm bạn tổn thương.",
        goals="Trong 4 tuần: em không còn bị giấu đồ, trêu biệt danh; em vui vẻ đi học và biết tìm cô khi bị trêu.",
        actions=(
            (
                "Trao đổi riêng với cô chủ nhiệm: đổi chỗ ngồi, để ý em trong giờ ra chơi",
                "GVCN lớp {cls}",
            ),
            ("Sinh hoạt lớp chủ đề “Lời nói cũng có thể làm đau”", COUNSELOR_OWNER),
            ("Gặp riêng nhóm bạn hay trêu để các em hiểu và xin lỗi bạn", COUNSELOR_OWNER),
        ),
        notes=(
            "Em kể lại các lần bị trêu, vẽ tranh “lớp học em mong muốn”. Em bớt lo khi biết cô sẽ giúp mà các bạn không biết em đã kể.",
            "Tập cùng em cách nói “Tớ không thích thế, dừng lại nhé” và đi tìm cô khi cần; em đóng vai rất tự tin.",
            "PH|Gặp mẹ em: em đã vui vẻ đi học, không còn kêu đau bụng; tuần này các bạn không giấu đồ nữa, em chơi cùng nhóm bạn mới.",
        ),
        next_steps="Cô chủ nhiệm để ý giờ ra chơi thêm hai tuần; hỏi lại em và mẹ vào cuối tháng.",
        closing="Sau 5 tuần em không còn bị trêu chọc, đi học đều, không còn kêu đau bụng buổi sáng. Nhóm bạn đã xin lỗi; cô chủ nhiệm tiếp tục theo dõi.",
        outcome=Outcome.RESOLVED,
        group_note="Sinh hoạt nhóm nhỏ ba em về tình bạn: chơi trò “chiếc ghế tốt bụng”, tập nói lời xin lỗi và cách giúp khi thấy bạn bị trêu. Các em hào hứng, hứa làm “đội bạn tốt” của lớp.",
    ),
    Scenario(
        key="p_parents_conflict",
        levels=(P,),
        groups=("tt18_psychology", "tt18_gender_social"),
        old_groups=("tt31_relationships",),
        request="Tối nào bố mẹ em cũng cãi nhau to, em sợ lắm, không ngủ được. Em không dám nói với ai.",
        summary="Bố mẹ em mâu thuẫn kéo dài, đang tính chuyện ly hôn; em lo lắng, khó ngủ, hay khóc trong lớp, kết quả học giảm.",
        risk=RiskLevel.LOW,
        risk_reasons="Không có dấu hiệu bạo lực gia đình với em; em lo âu và khó ngủ.",
        protective="Bà ngoại sống cùng, gần gũi em; em thích vẽ và học tốt môn Tiếng Việt.",
        needs="Hiểu rằng chuyện của bố mẹ không phải lỗi của em; có cách làm dịu nỗi sợ trước khi ngủ; bố mẹ biết con đang lo.",
        goals="Em ngủ ngon hơn, bớt khóc trong lớp; bố mẹ thống nhất cách nói với con về những thay đổi trong gia đình.",
        actions=(
            (
                "Gặp bố mẹ em, chia sẻ cảm nhận của con và gợi ý cách nói chuyện với con",
                COUNSELOR_OWNER,
            ),
            ("Hướng dẫn em bài thở “thổi nến” và góc vẽ trước khi ngủ", COUNSELOR_OWNER),
            ("Để ý em trong giờ học, báo lại khi em buồn hoặc khóc", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em vẽ “ngôi nhà của em” và kể về những buổi tối nghe bố mẹ cãi nhau. Cô giải thích với em đó không phải lỗi của em; em gật đầu và thôi khóc.",
            "Dạy em bài thở “thổi nến” và cách kể với bà khi sợ; em hứa tập mỗi tối.",
            "PH|Gặp mẹ em: mẹ không biết con nghe thấy hết; mẹ sẽ nói chuyện với bố để không cãi nhau trước mặt con và cùng nói với con về kế hoạch của gia đình.",
        ),
        next_steps="Hẹn gặp bố em; hỏi em về giấc ngủ ở buổi tới.",
        closing="Bố mẹ đã cùng nói chuyện với con; em ngủ tốt hơn, vui vẻ trở lại trong lớp. Gia đình biết có thể quay lại phòng tư vấn khi cần.",
    ),
    Scenario(
        key="p_grief",
        levels=(P, L),
        groups=("tt18_psychology",),
        old_groups=("tt31_gender_health", "tt31_relationships"),
        request="Bà nội em mới mất. Em nhớ bà lắm, ngồi trong lớp em cứ muốn khóc.",
        summary="Bà nội – người chăm em từ nhỏ – mất cách đây ba tuần; em buồn, thu mình, ít nói chuyện với bạn.",
        risk=RiskLevel.LOW,
        risk_reasons="Phản ứng mất mát phù hợp lứa tuổi; không có ý nghĩ làm hại bản thân.",
        protective="Gia đình gắn bó, bố mẹ quan tâm; em có bạn thân ngồi cạnh.",
        needs="Được nói về bà và bày tỏ nỗi buồn; lớp học đón em nhẹ nhàng.",
        goals="Em nói được về bà mà không quá đau buồn, chơi lại với bạn; gia đình biết những dấu hiệu cần để ý.",
        actions=(
            ("Làm “hộp kỷ niệm về bà” cùng em", COUNSELOR_OWNER),
            ("Cho em cùng tham gia thắp hương, kể chuyện về bà trong gia đình", "Phụ huynh"),
            ("Nhờ bạn thân rủ em cùng chơi giờ ra chơi", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể về bà, những món bà hay nấu cho em; em khóc rồi nói thấy nhẹ hơn.",
            "Em mang ảnh bà đến để làm hộp kỷ niệm; em vẽ bà đang tưới rau ngoài vườn.",
            "Em đã chơi với các bạn trở lại; em nói khi nhớ bà thì em mở hộp kỷ niệm ra xem.",
        ),
        next_steps="Hỏi thăm em sau hai tuần; nhắc cô chủ nhiệm để ý dịp giỗ bà.",
        closing="Em đã bày tỏ được nỗi buồn, học tập và vui chơi bình thường. Gia đình tiếp tục đồng hành cùng em.",
    ),
    Scenario(
        key="p_learning",
        levels=(P,),
        groups=("tt18_learning",),
        old_groups=("tt31_learning_career",),
        request="Em đọc chậm hơn các bạn, em sợ cô gọi đọc bài. Em muốn học giỏi hơn.",
        parent_request="Con tôi học lớp {cls}, đọc còn chậm, làm bài hay khóc vì sợ sai. Gia đình muốn được tư vấn cách kèm con học ở nhà.",
        summary="Em đọc chậm, sợ bị gọi đọc trước lớp, làm bài hay bỏ dở; gia đình lo và hay la mắng khi kèm học.",
        risk=RiskLevel.NONE,
        risk_reasons="Không có dấu hiệu nguy cơ; khó khăn học tập làm em lo lắng.",
        protective="Em chăm chỉ, thích nghe kể chuyện; cô chủ nhiệm nhiệt tình.",
        needs="Cách học đọc phù hợp, được khen khi tiến bộ; gia đình kèm học nhẹ nhàng.",
        goals="Sau 6 tuần em đọc trôi chảy một đoạn ngắn và tự tin giơ tay phát biểu ít nhất một lần mỗi ngày.",
        actions=(
            ("Đọc cùng con 15 phút mỗi tối, khen cụ thể, không la mắng", "Phụ huynh"),
            ("Cho em đọc trước bài ở nhà, gọi em đọc đoạn đã chuẩn bị", "GVCN lớp {cls}"),
            (
                "Đề nghị nhà trường đánh giá khó khăn học tập nếu sau 6 tuần em chưa tiến bộ",
                COUNSELOR_OWNER,
            ),
        ),
        notes=(
            "Em kể rất sợ khi cô gọi đọc, tim đập nhanh. Cùng em tập đọc một đoạn ngắn, em làm được và cười.",
            "PH|Gặp bố mẹ em: hướng dẫn cách đọc cùng con mỗi tối và khen cụ thể khi con cố gắng.",
            "Em khoe đã giơ tay đọc bài hai lần trong tuần; cô chủ nhiệm xác nhận em tiến bộ.",
        ),
        next_steps="Tiếp tục đọc cùng con mỗi tối; cô chủ nhiệm báo kết quả sau giữa kỳ.",
        closing="Em đọc tiến bộ rõ, tự tin phát biểu; gia đình đã đổi cách kèm học. Cô chủ nhiệm tiếp tục theo dõi.",
        outcome=Outcome.RESOLVED,
        grades=(1, 3),
        group_note="Nhóm đọc “Bạn đọc cùng bạn”: ba em đọc truyện tranh theo vai, mỗi em đọc một đoạn và khen nhau một điều. Em đọc to hơn khi đọc cùng bạn.",
    ),
    Scenario(
        key="p_left_behind",
        levels=(P, L),
        groups=("tt18_social_work", "tt18_psychology"),
        old_groups=("tt31_relationships", "tt31_intervention"),
        request="Bố mẹ em đi làm ở xa, em ở với ông bà. Em nhớ bố mẹ, tối nào em cũng khóc.",
        summary="Bố mẹ em đi làm xa từ đầu năm học, em sống cùng ông bà đã lớn tuổi; em nhớ bố mẹ, hay khóc, có hôm không làm bài tập.",
        risk=RiskLevel.LOW,
        risk_reasons="Em được ông bà chăm sóc đầy đủ; buồn vì xa bố mẹ, chưa có dấu hiệu nguy cơ khác.",
        protective="Ông bà yêu thương; bố mẹ gọi điện được vào cuối tuần; em thích đá cầu cùng bạn.",
        needs="Được liên lạc đều đặn với bố mẹ; có người giúp bài vở; thấy được quan tâm ở trường.",
        goals="Em giữ liên lạc với bố mẹ đều đặn, làm đủ bài tập, bớt buồn vào buổi tối.",
        actions=(
            (
                "Liên hệ bố mẹ em, thống nhất lịch gọi video cố định hai buổi mỗi tuần",
                COUNSELOR_OWNER,
            ),
            ("Xếp em vào nhóm “đôi bạn cùng tiến” sau giờ học", "GVCN lớp {cls}"),
            (
                "Giới thiệu gia đình với cán bộ xã phụ trách trẻ em để được hỗ trợ khi cần",
                COUNSELOR_OWNER,
            ),
        ),
        notes=(
            "Em kể về bố mẹ và ông bà; em viết một lá thư cho bố mẹ và nhờ cô gửi ảnh chụp lá thư.",
            "Gọi điện với mẹ em: mẹ sẽ gọi video vào tối thứ Tư và Chủ nhật, nhắn cô khi đổi lịch.",
            "Em vui hơn vì được nói chuyện với bố mẹ đều đặn; em làm bài tập đầy đủ hơn.",
        ),
        next_steps="Hỏi lại em sau hai tuần về lịch gọi điện với bố mẹ.",
        closing="Gia đình duy trì liên lạc đều đặn; em học tập ổn định, bớt buồn. Nhà trường tiếp tục quan tâm em.",
    ),
    Scenario(
        key="p_abuse",
        levels=(P,),
        groups=("tt18_social_work", "tt18_psychology"),
        old_groups=("tt31_skills_violence", "tt31_intervention"),
        request="Tối qua em lại bị đánh vì làm vỡ bát, tay em vẫn còn đau. Em sợ về nhà lắm.",
        summary="Cô chủ nhiệm thấy vết bầm ở tay và lưng em; em kể thường bị người nhà đánh khi mắc lỗi. Cần đánh giá an toàn và phối hợp bảo vệ trẻ em.",
        risk=RiskLevel.HIGH,
        risk_reasons="Dấu hiệu bạo lực thể chất lặp lại tại gia đình; em sợ về nhà. Là trường hợp bảo vệ trẻ em: báo Tổng đài 111 và UBND xã trong 12 giờ làm việc.",
        protective="Mẹ em thương con và muốn được giúp; em tin tưởng cô chủ nhiệm.",
        needs="An toàn ở nhà; gia đình được hỗ trợ thay đổi cách dạy con; em được chăm sóc tâm lý.",
        goals="Bảo đảm em an toàn; gia đình cam kết không dùng đòn roi; phối hợp UBND xã theo dõi định kỳ.",
        actions=(
            ("Báo Ban giám hiệu, gọi Tổng đài 111 và gửi văn bản cho UBND xã", COUNSELOR_OWNER),
            ("Cùng cán bộ xã thăm gia đình, làm việc với bố em", COUNSELOR_OWNER),
            ("Hỏi thăm em mỗi sáng, ghi lại nếu thấy vết thương mới", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em được cô chủ nhiệm đưa đến phòng tư vấn; em kể lại sự việc, sợ bố biết em đã kể. Cô giải thích với em những việc cô sẽ làm để giữ em an toàn.",
            "PH|Làm việc với mẹ em: mẹ xác nhận sự việc, đồng ý phối hợp với xã. Em được hướng dẫn cách tìm người lớn tin cậy khi sợ hãi.",
            "Em cho biết từ sau buổi làm việc của xã, bố không đánh em nữa; em ngủ ngon hơn.",
            "Em vui vẻ, kể về chuyến về quê cuối tuần cùng bố mẹ; chưa thấy dấu hiệu bạo lực mới.",
        ),
        next_steps="Tiếp tục theo dõi hằng tuần cùng cán bộ xã; hẹn gặp mẹ em sau hai tuần.",
        closing="Gia đình cam kết không dùng bạo lực; cán bộ xã tiếp tục theo dõi định kỳ. Em an toàn, đi học đều.",
        outcome=Outcome.REFERRED,
        high_risk=True,
        restricted=True,
    ),
    Scenario(
        key="p_screen_sleep",
        levels=(P,),
        groups=("tt18_life_skills", "tt18_learning"),
        old_groups=("tt31_skills_violence", "tt31_learning_career"),
        request="Em hay xem điện thoại đến khuya nên sáng buồn ngủ, cô nhắc em mãi. Em muốn bỏ mà không bỏ được.",
        parent_request="Cháu nhà tôi xem điện thoại đến khuya, sáng gọi mãi không dậy, cô giáo báo cháu hay ngủ gật. Nhờ nhà trường tư vấn giúp.",
        summary="Em xem video trên điện thoại đến khoảng 23 giờ mỗi đêm, sáng mệt, hay ngủ gật trong lớp; em muốn thay đổi.",
        risk=RiskLevel.NONE,
        risk_reasons="Không có dấu hiệu nguy cơ.",
        protective="Em tự nhận ra vấn đề và muốn thay đổi; bố mẹ sẵn sàng hợp tác.",
        needs="Thói quen ngủ đúng giờ; hoạt động thay thế buổi tối; gia đình có quy định chung về điện thoại.",
        goals="Em đi ngủ trước 21 giờ 30 ít nhất 5 tối mỗi tuần và không ngủ gật trong lớp.",
        actions=(
            ("Cùng em lập “bảng ngủ ngon” dán ở nhà", COUNSELOR_OWNER),
            ("Cả nhà cất điện thoại sau 21 giờ", "Phụ huynh"),
            ("Khen em khi em tỉnh táo, phát biểu trong lớp", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể thường xem hoạt hình và chơi trò chơi đến khuya. Cùng em lập bảng ngủ ngon và chọn phần thưởng cuối tuần.",
            "Em đánh dấu được 4 tối đi ngủ đúng giờ; em muốn bố mẹ đọc truyện cho em trước khi ngủ.",
            "Em tỉnh táo hơn trong lớp; bố mẹ cũng cất điện thoại buổi tối.",
        ),
        next_steps="Em tiếp tục đánh dấu bảng ngủ ngon; xem lại sau hai tuần.",
        closing="Em đã có giờ đi ngủ ổn định, không còn ngủ gật trong lớp. Gia đình giữ quy định chung về điện thoại.",
        outcome=Outcome.RESOLVED,
        group_note="Ba em cùng chơi trò “một ngày của em”, xếp thẻ tranh các việc buổi tối theo thứ tự hợp lý và chia sẻ mẹo đi ngủ sớm.",
    ),
    Scenario(
        key="p_anger",
        levels=(P,),
        groups=("tt18_life_skills", "tt18_psychology"),
        old_groups=("tt31_skills_violence",),
        request="Em hay nổi nóng rồi đẩy bạn, xong em lại hối hận. Em muốn bớt nóng.",
        parent_request="Dạo này cháu nhà tôi hay cáu, có lần xô ngã bạn, cô giáo đã nhắc nhiều lần. Gia đình mong được tư vấn cách giúp cháu.",
        summary="Em hay nổi nóng, xô đẩy bạn khi thua trò chơi hoặc bị trêu, sau đó hối hận; gia đình mới chuyển nhà và có em bé mới sinh.",
        risk=RiskLevel.LOW,
        risk_reasons="Có hành vi xô đẩy bạn, chưa gây thương tích; cần kỹ năng kiểm soát cảm xúc.",
        protective="Em thương em bé, thích bóng đá; cô chủ nhiệm và gia đình hợp tác tốt.",
        needs="Nhận ra cơn giận và cách làm dịu; được bố mẹ dành thời gian riêng.",
        goals="Em dùng được “đèn giao thông cảm xúc” khi tức giận; không xô đẩy bạn trong 4 tuần.",
        actions=(
            ("Dạy em kỹ thuật “đèn giao thông” và đếm đến 10", COUNSELOR_OWNER),
            ("Bố hoặc mẹ dành 15 phút riêng với em mỗi tối", "Phụ huynh"),
            ("Giao em phụ trách dụng cụ thể thao của lớp", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể hay bực khi thua trò chơi; em nhận ra cơn giận “nóng ở mặt”. Tập đếm đến 10 và hít thở.",
            "Đóng vai các tình huống dễ nổi nóng; em chọn cách đi ra chỗ khác và uống nước.",
            "Tuần này em chỉ cáu một lần và đã tự dừng lại; cô chủ nhiệm khen em trước lớp.",
        ),
        next_steps="Tiếp tục luyện tập; cô chủ nhiệm ghi lại những lần em tự kiềm chế được.",
        closing="Em kiểm soát cảm xúc tốt hơn, không còn xô đẩy bạn; bố mẹ dành thời gian riêng cho em đều đặn.",
        group_note="Nhóm ba em chơi “nhiệt kế cảm xúc”: gọi tên cảm xúc qua tranh, tập thở bong bóng và thay nhau nói cách làm dịu khi tức giận.",
    ),
    Scenario(
        key="p_new_school",
        levels=(P, L),
        groups=("tt18_gender_social", "tt18_life_skills"),
        old_groups=("tt31_relationships",),
        request="Em mới chuyển trường, chưa quen ai, giờ ra chơi em ngồi một mình. Em muốn có bạn.",
        summary="Em chuyển đến từ tỉnh khác đầu năm học, chưa kết bạn được, giờ ra chơi thường ngồi một mình; em nhút nhát, ngại nói giọng quê.",
        risk=RiskLevel.NONE,
        risk_reasons="Không có dấu hiệu nguy cơ; em buồn vì chưa hòa nhập.",
        protective="Em học khá, gia đình gắn bó; em thích cờ vua và vẽ.",
        needs="Được giới thiệu với bạn cùng sở thích; kỹ năng bắt chuyện; lớp đón nhận bạn mới.",
        goals="Trong một tháng em có ít nhất hai bạn chơi cùng và tham gia một câu lạc bộ của trường.",
        actions=(
            ("Giới thiệu em vào câu lạc bộ cờ vua của trường", COUNSELOR_OWNER),
            ("Xếp em ngồi cạnh bạn cởi mở, giao nhiệm vụ nhóm", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể về trường cũ và các bạn cũ; em ngại nói vì sợ bị cười giọng. Tập cùng em vài câu bắt chuyện.",
            "Em đã đến câu lạc bộ cờ vua hai buổi, quen một bạn lớp bên.",
            "Em vui vẻ, giờ ra chơi chơi cùng nhóm bạn; em không còn ngại giọng nói của mình.",
        ),
        next_steps="Hỏi lại em sau ba tuần.",
        closing="Em đã có nhóm bạn và tham gia câu lạc bộ cờ vua đều đặn. Kết thúc hỗ trợ.",
        outcome=Outcome.RESOLVED,
        group_note="Ba em mới chuyển đến cùng chơi trò “tìm điểm chung” và lập kế hoạch tham gia một câu lạc bộ; các em trao đổi cách làm quen bạn mới.",
    ),
    # --- Lower secondary -------------------------------------------------------------------
    Scenario(
        key="l_online_bullying",
        levels=(L, U),
        groups=("tt18_gender_social", "tt18_social_work"),
        old_groups=("tt31_skills_violence",),
        request="Mấy bạn lập nhóm chat riêng rồi chụp ảnh em đăng lên chế giễu, đặt tên xấu cho em. Em xấu hổ, không muốn đến trường.",
        summary="Em bị một nhóm bạn cùng lớp chế giễu ngoại hình trên nhóm chat và mạng xã hội; em thu mình, đã nghỉ học hai buổi.",
        risk=RiskLevel.MEDIUM,
        risk_reasons="Bị bắt nạt trực tuyến kéo dài, em buồn chán, nghỉ học; đã hỏi trực tiếp, em không có ý nghĩ làm hại bản thân.",
        protective="Em thân với chị gái; mẹ quan tâm; em học tốt môn Mỹ thuật.",
        needs="Dừng việc chế giễu, gỡ hình ảnh; em lấy lại tự tin; lớp học hiểu về bắt nạt trên mạng.",
        goals="Trong 3 tuần: các bài đăng được gỡ, nhóm bạn dừng chế giễu; em đi học đều trở lại.",
        actions=(
            (
                "Lưu bằng chứng, làm việc với các bạn liên quan và phụ huynh để gỡ bài đăng",
                COUNSELOR_OWNER,
            ),
            ("Tiết sinh hoạt lớp về ứng xử văn minh trên mạng xã hội", "GVCN lớp {cls}"),
            ("Hướng dẫn em chặn, báo cáo tài khoản và cài đặt quyền riêng tư", COUNSELOR_OWNER),
        ),
        notes=(
            "Em cho xem các tin nhắn và ảnh; em khóc khi kể. Đã hỏi về ý nghĩ làm hại bản thân: em nói không có. Cùng em lập danh sách người có thể giúp.",
            "Hướng dẫn em chặn, báo cáo tài khoản; em nhẹ nhõm khi biết nhà trường đã làm việc với các bạn.",
            "Các bài đăng đã được gỡ; em đi học đều, ngồi cùng nhóm bạn mới.",
        ),
        next_steps="Theo dõi nhóm chat của lớp thêm một tháng; hỏi lại em sau hai tuần.",
        closing="Bài đăng đã gỡ, các bạn liên quan đã xin lỗi; em đi học đều và tham gia câu lạc bộ Mỹ thuật.",
        outcome=Outcome.RESOLVED,
        group_note="Nhóm ba em cùng thảo luận “an toàn trên mạng”: nhận diện bắt nạt trực tuyến, cách chặn, báo cáo và giúp bạn khi thấy bạn bị chế giễu.",
    ),
    Scenario(
        key="l_exam_stress",
        levels=(L,),
        groups=("tt18_learning", "tt18_psychology"),
        old_groups=("tt31_learning_career",),
        request="Em học lớp 9, sắp thi vào 10. Bố mẹ muốn em đỗ trường chuyên nhưng em thấy không theo nổi, tối nào cũng mất ngủ, đau đầu.",
        summary="Em chịu áp lực thi vào lớp 10, học thêm đến 22 giờ, mất ngủ, đau đầu; em sợ làm bố mẹ thất vọng.",
        risk=RiskLevel.LOW,
        risk_reasons="Căng thẳng học tập, mất ngủ; không có ý nghĩ làm hại bản thân.",
        protective="Em học khá, có mục tiêu rõ; bố mẹ thương con, sẵn sàng nghe tư vấn.",
        needs="Lịch học và nghỉ hợp lý; kỹ năng quản lý căng thẳng; gia đình cùng chọn nguyện vọng phù hợp.",
        goals="Em ngủ ít nhất 7 tiếng mỗi đêm; em và bố mẹ thống nhất nguyện vọng thi phù hợp với sức học.",
        actions=(
            ("Cùng em lập thời gian biểu có giờ nghỉ và thể thao", COUNSELOR_OWNER),
            ("Gặp bố mẹ, trao đổi kết quả học tập và nguyện vọng phù hợp", COUNSELOR_OWNER),
            ("Bớt một buổi học thêm buổi tối", "Phụ huynh"),
        ),
        notes=(
            "Em kể lịch học dày đặc, ngủ 5 tiếng mỗi đêm. Tập cùng em kỹ thuật thở 4-7-8 và chia nhỏ mục tiêu ôn tập.",
            "PH|Gặp em và mẹ: mẹ hiểu con đang quá tải, đồng ý bớt một buổi học thêm.",
            "Em ngủ sớm hơn, đỡ đau đầu; em và bố mẹ đã chọn nguyện vọng 1 phù hợp.",
        ),
        next_steps="Ôn tập theo thời gian biểu mới; gặp lại trước kỳ thi thử.",
        closing="Em ngủ đủ giấc, bớt căng thẳng, cùng gia đình chọn nguyện vọng phù hợp; em biết cách tự điều chỉnh khi lo lắng.",
        grades=(9, 9),
        group_note="Nhóm ba em lớp 9 cùng chia sẻ áp lực thi, tập thở 4-7-8 và lập thời gian biểu ôn tập có giờ nghỉ; các em hẹn nhau học nhóm cuối tuần.",
    ),
    Scenario(
        key="l_puberty",
        levels=(L,),
        groups=("tt18_gender_social",),
        old_groups=("tt31_gender_health",),
        request="Cơ thể em thay đổi nhiều, mấy bạn trêu làm em rất ngại. Em không biết hỏi ai.",
        summary="Em bước vào tuổi dậy thì, ngại ngùng vì cơ thể thay đổi, bị bạn trêu; em muốn được giải thích và biết cách chăm sóc bản thân.",
        risk=RiskLevel.NONE,
        risk_reasons="Không có dấu hiệu nguy cơ.",
        protective="Em cởi mở, có mẹ để tâm sự; nhân viên y tế trường sẵn sàng hỗ trợ.",
        needs="Kiến thức về tuổi dậy thì phù hợp lứa tuổi; các bạn trong lớp tôn trọng nhau.",
        goals="Em hiểu những thay đổi bình thường của cơ thể, tự tin hơn; lớp không còn trêu chọc.",
        actions=(
            ("Trả lời câu hỏi của em, đưa tài liệu về tuổi dậy thì", "Nhân viên y tế trường"),
            ("Buổi sinh hoạt “Tôn trọng sự khác biệt” cho khối {grade}", COUNSELOR_OWNER),
            ("Nhắc nhở nhóm bạn hay trêu", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em hỏi nhiều điều về thay đổi cơ thể; giải thích cùng tranh minh họa. Em thở phào vì “hóa ra ai cũng thế”.",
            "Em và nhân viên y tế trường trao đổi cách chăm sóc cơ thể; em tự tin hơn.",
            "Em cho biết các bạn không trêu nữa sau buổi sinh hoạt lớp.",
        ),
        next_steps="Em có thể hỏi thêm qua hộp thư tư vấn của trường.",
        closing="Em hiểu và tự tin với những thay đổi của tuổi dậy thì; lớp học tôn trọng nhau hơn.",
        outcome=Outcome.RESOLVED,
        grades=(6, 8),
    ),
    Scenario(
        key="l_family_strict",
        levels=(L, U),
        groups=("tt18_gender_social", "tt18_life_skills"),
        old_groups=("tt31_relationships",),
        request="Bố mẹ thu điện thoại và cấm em đi chơi với bạn, hễ nói là cãi nhau. Em thấy không ai hiểu em.",
        summary="Em và bố mẹ mâu thuẫn về việc dùng điện thoại, đi chơi với bạn; hai bên cãi nhau thường xuyên, em hay đóng cửa phòng, ít nói.",
        risk=RiskLevel.LOW,
        risk_reasons="Mâu thuẫn gia đình tuổi mới lớn; em buồn bực nhưng không có ý nghĩ làm hại bản thân.",
        protective="Bố mẹ quan tâm, muốn cải thiện quan hệ; em có bạn bè tốt.",
        needs="Kỹ năng trò chuyện với bố mẹ; thỏa thuận chung về điện thoại và giờ giấc.",
        goals="Em và bố mẹ có thỏa thuận về điện thoại và giờ đi chơi; bớt cãi nhau, mỗi tuần có một buổi trò chuyện.",
        actions=(
            ("Tập cho em cách nói “thông điệp tôi” khi trò chuyện với bố mẹ", COUNSELOR_OWNER),
            ("Buổi gặp chung em và bố mẹ để lập thỏa thuận", COUNSELOR_OWNER),
            ("Giữ thỏa thuận, trả điện thoại đúng giờ đã hẹn", "Phụ huynh"),
        ),
        notes=(
            "Em kể các lần cãi nhau với bố mẹ; em thấy bị kiểm soát. Tập cùng em nói “con thấy… khi… con mong…”.",
            "PH|Gặp chung em và mẹ: hai bên viết thỏa thuận về điện thoại và giờ về nhà; mẹ bất ngờ khi con nói được điều con mong.",
            "Em cho biết hai tuần nay không cãi nhau lớn; cuối tuần cả nhà đi ăn cùng nhau.",
        ),
        next_steps="Giữ thỏa thuận một tháng rồi cùng xem lại.",
        closing="Em và bố mẹ giữ được thỏa thuận, trò chuyện nhiều hơn; không còn cãi nhau gay gắt.",
    ),
    Scenario(
        key="l_self_harm",
        levels=(L,),
        groups=("tt18_psychology",),
        old_groups=("tt31_intervention",),
        request="Dạo này em thấy rất mệt mỏi, có lúc em tự làm đau mình cho đỡ khó chịu. Em không dám nói với bố mẹ.",
        summary="Em có hành vi tự làm đau (cào, cắt nông ở cánh tay) khoảng hai tháng nay khi căng thẳng; có lúc nghĩ “biến mất thì hơn”. Cần đánh giá nguy cơ và kết nối chuyên môn.",
        risk=RiskLevel.HIGH,
        risk_reasons="Tự làm đau lặp lại, có ý nghĩ về cái chết thoáng qua, chưa có kế hoạch cụ thể. Cần theo dõi sát và kết nối cơ sở chuyên khoa.",
        protective="Em chủ động tìm người giúp; mẹ và cô chủ nhiệm là người em tin; em thích âm nhạc.",
        needs="An toàn; được thăm khám chuyên khoa; gia đình biết cách hỗ trợ; kỹ năng chịu đựng cảm xúc khó.",
        goals="Em không tự làm đau; có kế hoạch an toàn; được khám tại cơ sở chuyên khoa; gia đình đồng hành.",
        actions=(
            (
                "Lập kế hoạch an toàn cùng em (dấu hiệu báo trước, người liên hệ, số 111 và 115)",
                COUNSELOR_OWNER,
            ),
            (
                "Gặp phụ huynh khi em đồng ý; hướng dẫn cất giữ vật sắc nhọn và thuốc",
                COUNSELOR_OWNER,
            ),
            ("Kết nối khám tại cơ sở chuyên khoa tâm thần", COUNSELOR_OWNER),
        ),
        notes=(
            "Em kể về cảm giác trống rỗng và những lần tự làm đau. Hỏi trực tiếp về ý nghĩ tự sát: có ý nghĩ thoáng qua, không có kế hoạch. Cùng em lập kế hoạch an toàn.",
            "PH|Em đồng ý để cô gặp mẹ. Mẹ em bất ngờ, lo lắng; hướng dẫn mẹ cách lắng nghe không phán xét và cất giữ vật sắc nhọn.",
            "Em cho biết hai tuần không tự làm đau; em dùng cách nghe nhạc, nắm đá lạnh khi khó chịu.",
            "Em đã đi khám chuyên khoa cùng mẹ; em ngủ tốt hơn, bắt đầu tham gia câu lạc bộ âm nhạc.",
        ),
        next_steps="Gặp hằng tuần; xem lại kế hoạch an toàn ở mỗi buổi.",
        closing="Em được khám và điều trị ngoại trú tại cơ sở chuyên khoa, không tự làm đau trong 6 tuần, gia đình đồng hành. Tiếp tục theo dõi ở trường theo lịch của bác sĩ.",
        outcome=Outcome.REFERRED,
        high_risk=True,
        restricted=True,
    ),
    Scenario(
        key="l_game",
        levels=(L,),
        groups=("tt18_life_skills", "tt18_learning"),
        old_groups=("tt31_learning_career",),
        request="Em chơi game nhiều quá, điểm kém, bố mắng suốt. Em muốn bớt mà không bớt được.",
        parent_request="Con tôi chơi game đến 1, 2 giờ sáng, có hôm trốn học ra quán. Gia đình không biết làm sao, mong nhà trường giúp.",
        summary="Em chơi trò chơi điện tử đến khuya, hai lần bỏ tiết; điểm giảm, bố mẹ la mắng, không khí gia đình căng thẳng.",
        risk=RiskLevel.LOW,
        risk_reasons="Sử dụng trò chơi quá mức ảnh hưởng học tập và giấc ngủ; không có dấu hiệu nguy cơ khác.",
        protective="Em tự thấy cần thay đổi; em thích bóng rổ; bố mẹ muốn hợp tác.",
        needs="Giới hạn thời gian chơi do em cùng đặt; hoạt động thay thế; bù kiến thức bị hổng.",
        goals="Em chơi không quá 1 giờ mỗi ngày, không bỏ tiết; điểm trung bình các môn chính lên lại.",
        actions=(
            ("Cùng em ghi nhật ký thời gian chơi một tuần", COUNSELOR_OWNER),
            ("Giới thiệu em vào đội bóng rổ của trường", "Tổng phụ trách Đội"),
            ("Thống nhất giờ chơi và cất máy sau 22 giờ", "Phụ huynh"),
        ),
        notes=(
            "Em kể chơi vì vui và để quên chuyện bị điểm kém. Cùng em ghi nhật ký chơi và đặt mục tiêu nhỏ.",
            "PH|Gặp bố em: bố đồng ý bớt la mắng, cùng con thỏa thuận giờ chơi; em hứa không bỏ tiết.",
            "Nhật ký cho thấy em chơi khoảng 1 giờ mỗi ngày; em đã tập bóng rổ hai buổi.",
        ),
        next_steps="Tiếp tục nhật ký; cô chủ nhiệm báo tình hình chuyên cần hằng tuần.",
        closing="Em giữ được giờ chơi hợp lý, không bỏ tiết, điểm các môn chính cải thiện; em tham gia đội bóng rổ.",
        group_note="Nhóm ba em cùng thảo luận “game và mình”: tự chấm thời gian chơi, chia sẻ cách đặt giới hạn và lên kế hoạch một hoạt động thể thao chung.",
    ),
    Scenario(
        key="l_friend_conflict",
        levels=(L, U),
        groups=("tt18_gender_social",),
        old_groups=("tt31_relationships",),
        request="Nhóm bạn thân tự nhiên không chơi với em nữa, em ngồi một mình cả giờ ra chơi. Em buồn lắm.",
        summary="Em bị nhóm bạn thân tách ra sau một hiểu lầm; em buồn, cô đơn, ngại đến lớp.",
        risk=RiskLevel.LOW,
        risk_reasons="Buồn vì mất bạn; không có ý nghĩ làm hại bản thân.",
        protective="Em có anh trai gần gũi; em năng nổ trong đội văn nghệ.",
        needs="Hiểu chuyện gì đã xảy ra; kỹ năng giải quyết mâu thuẫn; mở rộng quan hệ bạn bè.",
        goals="Em nói chuyện được với nhóm bạn cũ; có thêm bạn mới; không còn ngại đến lớp.",
        actions=(
            ("Tập cho em cách nói chuyện thẳng thắn, lắng nghe bạn", COUNSELOR_OWNER),
            ("Mời em tham gia chuẩn bị tiết mục văn nghệ của lớp", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể lại chuyện hiểu lầm trong nhóm chat; em nghĩ các bạn ghét mình. Cùng em viết ra các khả năng khác.",
            "Đóng vai cuộc nói chuyện với bạn thân; em quyết định chủ động nhắn cho bạn.",
            "Em và bạn thân đã nói chuyện, hiểu lầm được gỡ; em cũng quen thêm bạn trong đội văn nghệ.",
        ),
        next_steps="Hỏi lại em sau hai tuần.",
        closing="Hiểu lầm đã được giải quyết; em chơi lại với nhóm bạn và có thêm bạn mới.",
        outcome=Outcome.RESOLVED,
        group_note="Nhóm ba em cùng tập giải quyết mâu thuẫn: nghe hết ý bạn, nói cảm xúc của mình, tìm cách cả hai cùng chấp nhận được.",
    ),
    Scenario(
        key="l_grief_father",
        levels=(L, U),
        groups=("tt18_psychology", "tt18_social_work", "tt18_policy_law"),
        old_groups=("tt31_intervention", "tt31_relationships"),
        request="Bố em mất vì tai nạn từ tháng trước. Mẹ em đi làm cả ngày, em phải trông em nhỏ. Em không tập trung học được.",
        summary="Bố em mất do tai nạn lao động; gia đình khó khăn, em phải trông em nhỏ, học sa sút, buồn bã kéo dài.",
        risk=RiskLevel.MEDIUM,
        risk_reasons="Mất mát lớn, hoàn cảnh khó khăn; em buồn kéo dài và mất ngủ; không có ý nghĩ làm hại bản thân.",
        protective="Mẹ thương con; họ hàng ở gần; em là học sinh chăm chỉ, được bạn bè quý.",
        needs="Hỗ trợ vật chất (hỗ trợ chi phí học tập, học bổng); hỗ trợ tâm lý sau mất mát; bù kiến thức.",
        goals="Gia đình nhận được hỗ trợ theo chính sách; em ngủ tốt hơn, theo kịp bài trên lớp.",
        actions=(
            ("Lập hồ sơ hỗ trợ chi phí học tập và học bổng vượt khó của trường", COUNSELOR_OWNER),
            ("Kết nối Hội Liên hiệp Phụ nữ xã hỗ trợ gia đình", COUNSELOR_OWNER),
            ("Phân công bạn học kèm môn Toán", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể về bố và những ngày sau tang lễ; em thấy phải mạnh mẽ cho mẹ nên không khóc trước mặt ai. Cho em không gian để khóc và nói.",
            "PH|Gặp mẹ em: hướng dẫn hồ sơ hỗ trợ chi phí học tập; mẹ đồng ý để cô liên hệ Hội Phụ nữ xã.",
            "Em ngủ tốt hơn; em kể về buổi học kèm Toán với bạn và muốn cố gắng vì bố.",
        ),
        next_steps="Theo dõi kết quả hồ sơ hỗ trợ; gặp em hai tuần một lần.",
        closing="Gia đình đã nhận hỗ trợ chi phí học tập và quà của Hội Phụ nữ; em ổn định tâm lý, theo kịp bài.",
    ),
    Scenario(
        key="l_boarding",
        levels=(L, U),
        groups=("tt18_psychology", "tt18_life_skills"),
        old_groups=("tt31_relationships",),
        request="Em ở nội trú, nhà xa, em nhớ nhà lắm, tối không ngủ được. Em muốn về nhà.",
        summary="Em lần đầu ở bán trú/nội trú, nhà cách trường hơn 20 km; em nhớ nhà, khó ngủ, ăn ít, có ý định bỏ học về nhà.",
        risk=RiskLevel.LOW,
        risk_reasons="Khó thích nghi khi xa nhà; nguy cơ bỏ học cần theo dõi; không có dấu hiệu nguy cơ khác.",
        protective="Em có anh họ học cùng trường; cô quản lý ký túc xá ân cần; em thích hát.",
        needs="Thích nghi với nếp sống tập thể; liên lạc với gia đình; có bạn đồng hành ở ký túc xá.",
        goals="Em ngủ và ăn uống bình thường, không còn ý định bỏ học; mỗi tuần gọi về nhà hai lần.",
        actions=(
            ("Xếp em ở cùng phòng với anh họ hoặc bạn cùng bản", "Cán bộ quản lý ký túc xá"),
            ("Bố trí giờ gọi điện về nhà tối thứ Tư và thứ Bảy", "Cán bộ quản lý ký túc xá"),
            ("Mời em tham gia đội văn nghệ của trường", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể nhớ mẹ, nhớ bữa cơm ở nhà; em khóc nhiều buổi tối. Cùng em lập danh sách việc làm khi nhớ nhà.",
            "Em đã chuyển phòng ở cùng bạn cùng bản; em gọi về nhà được hai lần trong tuần.",
            "Em ăn ngủ tốt hơn, hát trong buổi sinh hoạt ký túc xá; em không còn nói muốn bỏ học.",
        ),
        next_steps="Cô quản lý ký túc xá để ý em buổi tối; hỏi lại em sau hai tuần.",
        closing="Em đã thích nghi với cuộc sống nội trú, ăn ngủ bình thường, đi học đều.",
        group_note="Nhóm ba em mới ở nội trú cùng chia sẻ cảm giác nhớ nhà, làm “góc nhà mình” ở phòng và hẹn nhau cùng tập văn nghệ.",
    ),
    # --- Upper secondary -------------------------------------------------------------------
    Scenario(
        key="u_exam_insomnia",
        levels=(U,),
        groups=("tt18_learning", "tt18_psychology"),
        old_groups=("tt31_learning_career",),
        request="Em học lớp 12, sắp thi tốt nghiệp. Gần đây em mất ngủ, đầu óc trống rỗng khi làm bài, em sợ trượt nguyện vọng.",
        summary="Em lớp 12 căng thẳng trước kỳ thi tốt nghiệp THPT, mất ngủ, giảm tập trung; học đến 1 giờ sáng, bỏ bữa sáng.",
        risk=RiskLevel.LOW,
        risk_reasons="Căng thẳng học tập, mất ngủ kéo dài hai tuần; không có ý nghĩ làm hại bản thân.",
        protective="Em có mục tiêu rõ, học lực khá; có nhóm bạn học cùng; bố mẹ không tạo áp lực nặng.",
        needs="Ngủ đủ; phương pháp ôn tập hiệu quả; kỹ năng xử lý lo âu trong phòng thi.",
        goals="Em ngủ ít nhất 7 tiếng, ăn sáng đều; làm bài thi thử không bị “trống rỗng”.",
        actions=(
            ("Cùng em lập kế hoạch ôn tập theo tuần, có giờ nghỉ", COUNSELOR_OWNER),
            ("Tập kỹ thuật thở và “neo” sự chú ý khi vào phòng thi", COUNSELOR_OWNER),
            ("Giao bài ôn theo mức độ, phản hồi sau mỗi đề thi thử", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể lịch học kín mít, đêm nằm nghĩ đến điểm thi. Giải thích vòng lo âu – mất ngủ; tập thở hộp 4-4-4-4.",
            "Em thử ngủ trước 23 giờ năm đêm liền; em thấy tỉnh táo hơn khi làm đề.",
            "Thi thử lần hai em bình tĩnh hơn, làm hết đề; em tự tin với nguyện vọng đã chọn.",
        ),
        next_steps="Giữ giờ ngủ; gặp lại sau kỳ thi thử tiếp theo.",
        closing="Em ngủ đủ, bình tĩnh khi làm bài; kết quả thi thử cải thiện. Em biết cách tự điều chỉnh lo âu.",
        grades=(12, 12),
        group_note="Nhóm ba em lớp 12 cùng tập thở, chia sẻ cách ôn tập và lập “cam kết giấc ngủ” của nhóm trong mùa thi.",
    ),
    Scenario(
        key="u_career",
        levels=(U,),
        groups=("tt18_career",),
        old_groups=("tt31_learning_career",),
        request="Em thích học thiết kế đồ họa nhưng bố mẹ muốn em thi ngành y. Em không biết nên chọn thế nào, cứ nói đến là cả nhà cãi nhau.",
        summary="Em băn khoăn chọn ngành: em thích thiết kế đồ họa, gia đình muốn em theo ngành y; mâu thuẫn trong gia đình mỗi khi bàn chuyện chọn trường.",
        risk=RiskLevel.NONE,
        risk_reasons="Không có dấu hiệu nguy cơ.",
        protective="Em có năng khiếu vẽ, học tốt; bố mẹ yêu thương và sẵn sàng nghe.",
        needs="Hiểu rõ sở thích, năng lực và thông tin ngành nghề; trò chuyện với bố mẹ bằng thông tin cụ thể.",
        goals="Em làm trắc nghiệm sở thích nghề nghiệp, tìm hiểu hai ngành; cùng bố mẹ thống nhất nguyện vọng trước hạn đăng ký.",
        actions=(
            ("Làm trắc nghiệm sở thích nghề nghiệp và thảo luận kết quả", COUNSELOR_OWNER),
            ("Giới thiệu em tham gia ngày hội tư vấn tuyển sinh", "Bí thư Đoàn trường"),
            ("Buổi gặp ba bên: em, bố mẹ và cán bộ tư vấn", COUNSELOR_OWNER),
        ),
        notes=(
            "Em làm trắc nghiệm sở thích nghề nghiệp: nhóm nghệ thuật – sáng tạo nổi bật. Em chuẩn bị danh sách câu hỏi về ngành thiết kế.",
            "Em đi ngày hội tuyển sinh, gặp sinh viên ngành thiết kế và ngành y; em ghi lại điều thích và không thích.",
            "PH|Gặp em và bố mẹ: em trình bày kế hoạch bằng thông tin cụ thể; bố mẹ đồng ý để em đặt thiết kế là nguyện vọng 1.",
        ),
        next_steps="Em hoàn thiện hồ sơ năng khiếu; hỏi lại trước hạn đăng ký nguyện vọng.",
        closing="Em và gia đình thống nhất nguyện vọng; em đã đăng ký ôn thi năng khiếu. Kết thúc hỗ trợ hướng nghiệp.",
        outcome=Outcome.RESOLVED,
        grades=(11, 12),
        group_note="Nhóm ba em lớp 11–12 cùng khám phá nghề: giới thiệu một ngành mình quan tâm, tìm hiểu điểm chuẩn, học phí, cơ hội việc làm và hỏi đáp lẫn nhau.",
    ),
    Scenario(
        key="u_online_threat",
        levels=(U,),
        groups=("tt18_social_work", "tt18_policy_law", "tt18_psychology"),
        old_groups=("tt31_skills_violence", "tt31_intervention"),
        request="Người em quen trên mạng đe dọa sẽ đăng ảnh riêng tư của em nếu em không gửi thêm. Em rất sợ, không dám nói với gia đình.",
        summary="Em bị một tài khoản quen qua mạng đe dọa phát tán hình ảnh riêng tư để ép gửi thêm ảnh; em hoảng sợ, mất ngủ, không dám kể với gia đình.",
        risk=RiskLevel.MEDIUM,
        risk_reasons="Bị đe dọa, cưỡng ép trực tuyến; em hoảng sợ, tự trách. Đã hỏi trực tiếp, em không có ý nghĩ tự sát.",
        protective="Em chủ động tìm giúp đỡ; có chị gái tin cậy; em học tốt và có nhóm bạn thân.",
        needs="Chặn hành vi đe dọa, gỡ nội dung nếu bị đăng; hỗ trợ pháp lý và báo công an; bớt tự trách.",
        goals="Dừng việc đe dọa; nội dung (nếu có) được gỡ; em an toàn, ngủ được và không tự trách.",
        actions=(
            (
                "Hướng dẫn em lưu bằng chứng, không gửi thêm ảnh, không xóa tin nhắn",
                COUNSELOR_OWNER,
            ),
            ("Cùng gia đình (khi em đồng ý) trình báo công an xã", COUNSELOR_OWNER),
            ("Hướng dẫn yêu cầu nền tảng mạng xã hội gỡ nội dung", COUNSELOR_OWNER),
        ),
        notes=(
            "Em kể lại sự việc, rất sợ bị lộ. Khẳng định lỗi không phải ở em; hướng dẫn lưu bằng chứng và ngừng trả lời tài khoản kia.",
            "PH|Em đồng ý để cô nói chuyện với chị gái và mẹ em; gia đình cùng em trình báo công an.",
            "Tài khoản đe dọa đã bị khóa, chưa có ảnh bị đăng; em ngủ được và đi học bình thường.",
        ),
        next_steps="Theo dõi kết quả xử lý của công an; gặp em hằng tuần trong một tháng.",
        closing="Việc đe dọa đã dừng, công an tiếp nhận vụ việc; em ổn định, biết cách bảo vệ mình trên mạng.",
        restricted=True,
    ),
    Scenario(
        key="u_breakup",
        levels=(U,),
        groups=("tt18_gender_social", "tt18_psychology"),
        old_groups=("tt31_gender_health",),
        request="Em vừa chia tay người yêu, em buồn không học được gì, cả ngày chỉ muốn nằm.",
        summary="Em buồn bã sau khi chia tay bạn trai/bạn gái cùng trường; mất hứng thú học, ngủ nhiều, ít nói chuyện với bạn.",
        risk=RiskLevel.LOW,
        risk_reasons="Buồn sau chia tay kéo dài hai tuần; đã hỏi trực tiếp, em không có ý nghĩ làm hại bản thân.",
        protective="Em có bạn thân, mẹ gần gũi; em thích chạy bộ.",
        needs="Bày tỏ cảm xúc; lấy lại nhịp sinh hoạt; học cách kết thúc một mối quan hệ tôn trọng nhau.",
        goals="Em lấy lại nhịp học, tập thể dục đều; không né tránh khi gặp bạn cũ ở trường.",
        actions=(
            ("Cùng em lập thời gian biểu có chạy bộ buổi sáng", COUNSELOR_OWNER),
            ("Gợi ý em tham gia câu lạc bộ chạy bộ của Đoàn trường", "Bí thư Đoàn trường"),
        ),
        notes=(
            "Em kể về mối quan hệ và lần chia tay; em khóc và nói thấy nhẹ hơn khi được nghe.",
            "Em đã chạy bộ ba buổi sáng; em học lại được, vẫn còn buồn khi gặp bạn cũ.",
            "Em chào hỏi bạn cũ bình thường; em nói đã “khép lại được chuyện này”.",
        ),
        next_steps="Hỏi thăm em sau hai tuần.",
        closing="Em đã vượt qua giai đoạn buồn, học tập và sinh hoạt bình thường.",
        outcome=Outcome.RESOLVED,
    ),
    Scenario(
        key="u_suicidal",
        levels=(U,),
        groups=("tt18_psychology",),
        old_groups=("tt31_intervention",),
        request="Em áp lực quá, nhiều đêm em nghĩ đến chuyện tự tử. Em không muốn bố mẹ biết.",
        summary="Em có ý nghĩ tự sát lặp lại trong khoảng một tháng, mất ngủ, bỏ ăn, rút lui khỏi bạn bè; có lúc đã nghĩ đến cách thức. Cần can thiệp khẩn và kết nối chuyên khoa.",
        risk=RiskLevel.HIGH,
        risk_reasons="Ý nghĩ tự sát lặp lại, đã nghĩ đến cách thức; mất ngủ, tuyệt vọng về kết quả học tập. Cần theo dõi sát, kế hoạch an toàn và khám chuyên khoa.",
        protective="Em vẫn tìm đến người giúp; em thương em gái; có cô chủ nhiệm và một bạn thân em tin.",
        needs="An toàn tức thời; khám và điều trị chuyên khoa; gia đình đồng hành; giảm áp lực học tập.",
        goals="Em an toàn, có kế hoạch an toàn; được khám chuyên khoa trong tuần; gia đình biết dấu hiệu cảnh báo và cách hỗ trợ.",
        actions=(
            (
                "Lập kế hoạch an toàn cùng em, đưa số 111 và 115, người liên hệ khi khủng hoảng",
                COUNSELOR_OWNER,
            ),
            ("Gặp gia đình khi em đồng ý; hướng dẫn cất giữ thuốc, vật nguy hiểm", COUNSELOR_OWNER),
            ("Chuyển gửi khám chuyên khoa tâm thần", COUNSELOR_OWNER),
            ("Điều chỉnh lịch kiểm tra, giảm bài tập trong thời gian điều trị", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể về cảm giác tuyệt vọng và những đêm không ngủ; hỏi trực tiếp về ý định, cách thức. Cùng em lập kế hoạch an toàn, em cất số 111 vào điện thoại.",
            "PH|Em đồng ý để cô gặp bố mẹ. Gia đình bàng hoàng nhưng hợp tác; thống nhất đưa em đi khám chuyên khoa và cất giữ thuốc trong nhà.",
            "Em đã khám chuyên khoa, bắt đầu điều trị; em ngủ được 6 tiếng, không còn nghĩ đến cách thức.",
            "Em đi học đều, tham gia lại nhóm học; em nói “thấy mình có tương lai”. Rà soát kế hoạch an toàn cùng em.",
        ),
        next_steps="Gặp hằng tuần; phối hợp lịch tái khám; rà soát kế hoạch an toàn.",
        closing="Em điều trị ổn định theo chỉ định của bác sĩ, không còn ý nghĩ tự sát; gia đình và nhà trường tiếp tục theo dõi.",
        outcome=Outcome.REFERRED,
        high_risk=True,
        restricted=True,
    ),
    Scenario(
        key="u_dropout",
        levels=(U, L),
        groups=("tt18_social_work", "tt18_policy_law", "tt18_career"),
        old_groups=("tt31_intervention", "tt31_learning_career"),
        request="Nhà em khó khăn, mẹ ốm, em định nghỉ học đi làm để phụ gia đình. Em không biết có cách nào khác không.",
        summary="Gia đình em thuộc hộ cận nghèo, mẹ ốm dài ngày; em đi làm thêm buổi tối, nghỉ học nhiều buổi, định bỏ học.",
        risk=RiskLevel.MEDIUM,
        risk_reasons="Nguy cơ bỏ học cao do hoàn cảnh kinh tế; em mệt mỏi vì vừa học vừa làm.",
        protective="Em học khá, được thầy cô quý; có người cô ruột sẵn sàng giúp đỡ.",
        needs="Hỗ trợ chi phí học tập theo chính sách; học bổng; việc làm thêm phù hợp không ảnh hưởng học.",
        goals="Em không bỏ học, chuyên cần trên 90%; gia đình nhận được hỗ trợ theo chính sách.",
        actions=(
            ("Lập hồ sơ hỗ trợ chi phí học tập và đề nghị học bổng vượt khó", COUNSELOR_OWNER),
            (
                "Liên hệ UBND xã về chế độ cho hộ cận nghèo và hỗ trợ y tế cho mẹ em",
                COUNSELOR_OWNER,
            ),
            ("Theo dõi chuyên cần, báo ngay khi em nghỉ học", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em kể về hoàn cảnh gia đình và việc làm thêm ở quán ăn đến 22 giờ. Cùng em tính các khoản thu chi và các chế độ có thể được hưởng.",
            "PH|Gặp mẹ em tại nhà cùng cô chủ nhiệm: hướng dẫn hồ sơ hỗ trợ; mẹ mong con học hết lớp 12.",
            "Em nhận học bổng vượt khó của trường, chỉ làm thêm cuối tuần; em đi học đều.",
        ),
        next_steps="Theo dõi chuyên cần hằng tuần; kiểm tra kết quả hồ sơ hỗ trợ.",
        closing="Em tiếp tục đi học đều; gia đình nhận hỗ trợ theo chính sách và học bổng của trường.",
    ),
    Scenario(
        key="u_panic",
        levels=(U, L),
        groups=("tt18_psychology", "tt18_learning"),
        old_groups=("tt31_gender_health", "tt31_learning_career"),
        request="Mỗi lần kiểm tra là em tim đập nhanh, khó thở, tay run, có lần phải xin ra ngoài. Em sợ lắm.",
        summary="Em có các cơn lo âu cấp (tim đập nhanh, khó thở, run tay) trước và trong giờ kiểm tra, đã hai lần phải ra khỏi lớp.",
        risk=RiskLevel.LOW,
        risk_reasons="Lo âu liên quan kiểm tra, không có ý nghĩ làm hại bản thân; đã khuyên khám sức khỏe để loại trừ nguyên nhân thực thể.",
        protective="Em hiểu bài, có bạn thân ngồi cạnh; gia đình quan tâm.",
        needs="Hiểu cơ chế cơn lo âu; kỹ năng tự làm dịu; thầy cô hiểu và hỗ trợ trong giờ kiểm tra.",
        goals="Em tự làm dịu được cơn lo âu bằng kỹ thuật thở; làm trọn bài kiểm tra không phải ra ngoài.",
        actions=(
            ("Hướng dẫn kỹ thuật thở và “5-4-3-2-1” khi bắt đầu lo", COUNSELOR_OWNER),
            ("Khám sức khỏe tổng quát", "Phụ huynh"),
            ("Cho em ngồi gần cửa, được uống nước trong giờ kiểm tra", "GVCN lớp {cls}"),
        ),
        notes=(
            "Em mô tả cơn lo âu; giải thích phản ứng “báo động giả” của cơ thể. Tập kỹ thuật 5-4-3-2-1.",
            "Em đã khám sức khỏe, kết quả bình thường; em thấy yên tâm hơn.",
            "Em làm trọn hai bài kiểm tra, có lúc lo nhưng tự thở được.",
        ),
        next_steps="Luyện tập mỗi ngày; gặp lại trước kỳ kiểm tra cuối kỳ.",
        closing="Em tự điều chỉnh được lo âu khi kiểm tra, không còn phải ra khỏi lớp.",
        group_note="Nhóm ba em hay lo khi kiểm tra cùng tập thở, chia sẻ “câu tự nhủ” giúp bình tĩnh và luyện làm bài trong thời gian giả định.",
    ),
    Scenario(
        key="u_identity",
        levels=(U,),
        groups=("tt18_gender_social", "tt18_psychology"),
        old_groups=("tt31_gender_health", "tt31_relationships"),
        request="Em bị mấy bạn trêu vì em không giống con trai khác, em cũng đang băn khoăn về bản thân. Em muốn được nói chuyện riêng.",
        summary="Em bị bạn cùng lớp trêu chọc về cách thể hiện giới; em băn khoăn về bản dạng của mình, lo gia đình không hiểu.",
        risk=RiskLevel.LOW,
        risk_reasons="Bị trêu chọc, lo âu về sự chấp nhận; không có ý nghĩ làm hại bản thân.",
        protective="Em có hai bạn thân luôn bênh vực; em giỏi môn Văn, tham gia câu lạc bộ kịch.",
        needs="Được lắng nghe, tôn trọng; lớp học không kỳ thị; thông tin tin cậy về giới.",
        goals="Em thấy an toàn ở trường; lớp không còn trêu chọc; em biết nơi tìm thông tin và hỗ trợ tin cậy.",
        actions=(
            ("Sinh hoạt lớp về tôn trọng sự đa dạng, không kỳ thị", "GVCN lớp {cls}"),
            ("Cung cấp thông tin, địa chỉ hỗ trợ tin cậy về giới", COUNSELOR_OWNER),
        ),
        notes=(
            "Em kể những lần bị trêu và băn khoăn của mình; cô lắng nghe, khẳng định em được tôn trọng như em là.",
            "Em cho biết sau buổi sinh hoạt lớp, các bạn không trêu nữa; em tự tin hơn khi diễn kịch.",
            "Em tự quyết định chưa nói với gia đình lúc này; cùng em xác định người lớn em có thể tìm đến.",
        ),
        next_steps="Em có thể quay lại bất cứ lúc nào; hỏi thăm sau một tháng.",
        closing="Em thấy an toàn ở trường, lớp không còn trêu chọc; em biết nơi tìm hỗ trợ khi cần.",
    ),
)

# Requests whose text contains a phrase of data/danger_keywords.vi.txt: the queue marks them
# urgent by itself, and the help page shows 111 and 115 first.
DANGER_REQUESTS = {
    P: (
        ("tt18_social_work",), "Tối qua em lại bị đánh vì làm vỡ bát, tay em vẫn còn đau. Em sợ về nhà lắm."
    ),
    L: (
        ("tt18_psychology",), "Dạo này em thấy mọi thứ vô nghĩa, có lúc em muốn chết cho xong. Em không biết nói với ai."
    ),
    U: (
        ("tt18_psychology",), "Bạn thân của em dạo này hay nhắn là chán sống, không muốn sống nữa. Em lo cho bạn ấy lắm, em phải làm gì ạ?"
    ),
}  # fmt: skip

# gv.trungtu's referral still waiting, and the one a counselor took up (with the case's problem).
TEACHER_WORRY = "Em {name} lớp {cls} mấy tuần nay hay ngồi một mình, bỏ bữa bán trú, có lúc khóc trong giờ. Tôi đã hỏi nhưng em không nói. Nhờ cô tư vấn gặp em."
TEACHER_TAKEN_UP = "Nhờ cô tư vấn gặp em {name} (lớp {cls}). Tôi để ý thấy và được em kể: {what}"

REPLIES = (
    "Chào {name}, cô cảm ơn em đã tin tưởng viết cho cô. Những tuần qua em đã cố gắng rất nhiều và cô thấy em tiến bộ thật sự. Nếu chuyện cũ quay lại hay có điều gì mới làm em lo, em cứ đến phòng tư vấn vào giờ ra chơi hoặc gửi lại qua trang này nhé. Cô luôn sẵn lòng.",
    "Chào {name}, hồ sơ hỗ trợ của em đã khép lại vì mọi việc đã ổn hơn, nhưng cửa phòng tư vấn lúc nào cũng mở. Em nhớ những cách mình đã cùng tập nhé. Khi cần, em tìm cô hoặc gửi thư qua trang này.",
)

POLICY_QUESTION = (
    ("tt18_policy_law",),
    "Em muốn hỏi nhà em thuộc hộ nghèo thì em có được hỗ trợ chi phí học tập không, cần giấy tờ gì ạ?",
    "Chào em, học sinh thuộc hộ nghèo, hộ cận nghèo được xét hỗ trợ chi phí học tập theo quy định. Em chuẩn bị đơn theo mẫu (xin ở văn phòng trường) và giấy xác nhận hộ nghèo do xã cấp, nộp cho thầy cô chủ nhiệm. Nếu cần giúp điền đơn, em ghé phòng tư vấn vào giờ ra chơi nhé.",
)

REOPEN_REASONS = (
    "Em quay lại phòng tư vấn: chuyện cũ tái diễn sau kỳ nghỉ, em lại mất ngủ và buồn.",
    "Phụ huynh gọi điện báo em lại thu mình, không muốn đi học từ đầu tuần.",
    "Cô chủ nhiệm thấy em lại ngồi một mình giờ ra chơi và khóc trong giờ học.",
)

EMERGENCY_REASONS = {
    "01-MINHPHU": "Em gọi vào số điện thoại tư vấn của trường lúc 20 giờ 30, nói đã viết thư từ biệt và đang ở một mình. Có nguy cơ đến tính mạng ngay lúc đó, chưa kịp ghi nhận sự đồng ý: cô giữ máy nói chuyện với em đến khi em ra khỏi phòng, người nhà có mặt và gọi 115.",
    "79-LEQUYDON": "Giáo viên đưa em xuống phòng tư vấn trong giờ học sau khi bạn cùng bàn thấy vết cắt mới trên cổ tay em và em nói không muốn sống nữa. Em chưa sẵn sàng đồng ý tư vấn nhưng không thể để em một mình: cô ở cùng em, đánh giá an toàn và sơ cứu cùng nhân viên y tế trường.",
}

CONTACT_TIMES = (
    "Giờ ra chơi buổi sáng",
    "Sau giờ học buổi chiều",
    "Tiết sinh hoạt lớp thứ Sáu",
    "Giờ nghỉ trưa",
)
SESSION_HOURS = ((7, 45), (9, 20), (10, 5), (13, 45), (14, 30), (15, 40))


def _scenarios_for(level: str) -> list[Scenario]:
    return [s for s in SCENARIOS if level in s.levels]


def _pilot_schools():
    for locality in LOCALITIES:
        for school in locality.schools:
            yield school_code(locality.code_2024, school.slug)


@transaction.atomic
def seed_cases() -> dict[str, int]:
    """Requests and cases at every pilot school; returns how many of each were created."""
    stats = Counter(users=0, requests=0, cases=0, sessions=0)
    master = random.Random(SEED)  # noqa: S311 (demo text, not secrets)
    groups = {group.code: group for group in ContentGroup.objects.all()}
    for code in _pilot_schools():
        # Drawn for every school, seeded or not, so each school's data never depends on others.
        seed = master.getrandbits(64)
        unit = OrgUnit.objects.filter(kind=OrgKind.SCHOOL, code=code, valid_to=None).first()
        if unit is None:
            continue
        if code == TRUNGTU:
            username, full_name = SECOND_COUNSELOR
            stats["users"] += _ensure_user(
                username, full_name, Role.COUNSELOR, unit, settings.DIEMTUA_DEMO_PASSWORD
            )
        if (
            Case.objects.filter(school=unit).exists()
            or HelpRequest.objects.filter(school=unit).exists()
        ):
            continue
        _SchoolSeeder(unit, random.Random(seed), groups, stats).run()  # noqa: S311
    return dict(stats)


class _SchoolSeeder:
    """Writes one school's requests and cases, one service call at a time."""

    def __init__(self, unit: OrgUnit, rng: random.Random, groups: dict, stats: Counter):
        self.unit = unit
        self.code = unit.code
        self.index = list(_pilot_schools()).index(unit.code)
        self.level = unit.school_level
        self.rng = rng
        self.groups = groups
        self.stats = stats
        self.today = timezone.localdate()
        self.counselor = User.objects.get(username=f"tv.{unit.code.split('-', 1)[1].lower()}")
        self.second = (
            User.objects.get(username=SECOND_COUNSELOR[0]) if self.code == TRUNGTU else None
        )
        self.teacher = User.objects.get(username="gv.trungtu") if self.code == TRUNGTU else None
        self.students = list(
            Student.objects.filter(school=unit, is_active=True).prefetch_related("guardians")
        )
        rng.shuffle(self.students)
        self.used: set[int] = set()
        self.alias_class: dict[int, str] = {}  # anonymous case → the class it is about

    # --- Small helpers ---------------------------------------------------------------------

    def day(self, days_ago: int) -> datetime.date:
        """A school day `days_ago` before today (a Sunday moves back to Saturday)."""
        day = self.today - datetime.timedelta(days=days_ago)
        return day - datetime.timedelta(days=1) if day.weekday() == 6 else day

    def at(self, day: datetime.date, hour: int | None = None, minute: int = 0):
        if hour is None:
            hour, minute = self.rng.choice(SESSION_HOURS)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        return min(moment, timezone.now() - datetime.timedelta(minutes=1))

    def student_for(self, scenario: Scenario) -> Student:
        return self.student(min_grade=scenario.grades[0], max_grade=scenario.grades[1])

    def student(self, *, min_grade: int = 0, max_grade: int = 12) -> Student:
        for student in self.students:
            if student.pk not in self.used and min_grade <= student.grade <= max_grade:
                self.used.add(student.pk)
                return student
        raise LookupError(f"no demo student left at {self.code}")

    def group_member(self, scenario: Scenario, student: Student) -> Case:
        """A classmate joining the group keeps their own short record with their own consent:
        each child in a group session is counseled, so each must have agreed."""
        case = services.case_open(
            actor=self.counselor,
            school=self.unit,
            student=student,
            summary="Mời tham gia sinh hoạt nhóm nhỏ của lớp.",
            content_groups=self.content(scenario),
            opened_on=self.day(22),
        )
        self._backdate_last_stage(case, self.at(self.day(22), 7, 30))
        self.consents(case, self.day(22))
        self.stats["cases"] += 1
        return case

    def classmates(self, student: Student, count: int) -> list[Student]:
        """Other students of the same grade (not already the subject of a case)."""
        pool = [s for s in self.students if s.grade == student.grade and s.pk != student.pk]
        pool.sort(key=lambda s: (s.class_name != student.class_name, s.pk in self.used))
        return pool[:count]

    def content(self, scenario: Scenario, old: bool = False) -> list[ContentGroup]:
        return [self.groups[code] for code in (scenario.old_groups if old else scenario.groups)]

    @staticmethod
    def fill(text: str, student: Student | None, cls: str = "") -> str:
        cls = student.class_name if student else cls
        grade = student.grade if student else "".join(ch for ch in cls if ch.isdigit())
        return text.replace("{cls}", cls).replace("{grade}", str(grade))

    def fill_case(self, text: str, case: Case) -> str:
        return self.fill(text, case.student, self.alias_class.get(case.pk, ""))

    @staticmethod
    def _backdate(model, pk: int, **stamps) -> None:
        """Move the service's "now" stamps to when the step is meant to have happened."""
        model.objects.filter(pk=pk).update(**stamps)

    def _backdate_last_stage(self, case: Case, when: datetime.datetime) -> None:
        last = StageChange.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True)
        self._backdate(StageChange, last[0], changed_at=when)

    def key(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    # --- Service calls with their dates ----------------------------------------------------

    def submit(
        self,
        *,
        message: str,
        groups,
        student: Student | None = None,
        class_name: str = "",
        anonymous: bool = True,
        as_parent: bool = False,
        urgent: bool = False,
        created: datetime.datetime | None = None,
    ) -> HelpRequest:
        fields = {"class_name": student.class_name if student else class_name}
        if as_parent and student is not None:
            guardian = student.guardians.all()[0]
            fields.update(
                requester=Requester.PARENT,
                is_anonymous=False,
                requester_name=guardian.full_name,
                contact_method=ContactMethod.PHONE,
                contact_detail=guardian.phone,
                contact_time="Sau 17 giờ các ngày trong tuần",
            )
        elif anonymous or student is None:
            fields.update(
                requester=Requester.STUDENT,
                is_anonymous=True,
                contact_method=self.rng.choice(
                    [ContactMethod.CODE_ONLY, ContactMethod.CODE_ONLY, ContactMethod.AT_SCHOOL]
                ),
            )
        else:
            fields.update(
                requester=Requester.STUDENT,
                is_anonymous=False,
                requester_name=student.full_name,
                contact_method=ContactMethod.AT_SCHOOL,
                contact_time=self.rng.choice(CONTACT_TIMES),
            )
        submitted = intake.help_request_submit(
            school=self.unit,
            content_groups=groups,
            message=message,
            said_urgent=urgent,
            idempotency_key=self.key(),
            **fields,
        )
        help_request = submitted.help_request
        if created is not None:
            # The help page stamps "now"; an older request gets the time it was sent.
            self._backdate(HelpRequest, help_request.pk, created_at=created)
        self.stats["requests"] += 1
        return help_request

    def open_case(
        self,
        scenario: Scenario,
        opened: datetime.date,
        *,
        student: Student | None,
        cls: str = "",
        alias: str = "",
        actor=None,
        urgent: bool = False,
        old: bool = False,
        opened_at: datetime.datetime | None = None,
        restricted: bool | None = None,  # None: as the scenario says
    ) -> Case:
        case = services.case_open(
            actor=actor or self.counselor,
            school=self.unit,
            student=student,
            alias=alias,
            summary=self.fill(scenario.summary, student, cls),
            content_groups=self.content(scenario, old),
            is_urgent=urgent,
            opened_on=opened,
        )
        if student is None:
            self.alias_class[case.pk] = cls
        self._backdate_last_stage(case, opened_at or self.at(opened, 7, 30))
        if restricted if restricted is not None else scenario.restricted:
            # Only the counselor who opened it sees it (at Trung Tự, the other one does not).
            self.restrict(case, [actor or self.counselor], actor)
        self.stats["cases"] += 1
        return case

    def attach(self, help_request: HelpRequest, case: Case, when, actor=None) -> None:
        services.request_attach_to_case(
            actor=actor or self.counselor, help_request=help_request, case=case
        )
        self._backdate(HelpRequest, help_request.pk, handled_at=when)

    def move(
        self, case: Case, to_stage: str, day: datetime.date, actor=None, *, at=None, **closing
    ) -> Case:
        case = services.case_transition(
            actor=actor or self.counselor, case=case, to_stage=to_stage, **closing
        )
        # Assessing and planning start the working day (before that day's session); support
        # starts once the plan is written (16:00), and a review or closing ends the day.
        early = to_stage in (Stage.ASSESSING, Stage.PLANNING)
        default = self.at(day, 7, 35) if early else self.at(day, 16, 30)
        self._backdate_last_stage(case, at or default)
        if to_stage == Stage.CLOSED:
            self._backdate(Case, case.pk, closed_on=day)
        return case

    def consents(
        self, case: Case, day: datetime.date, actor=None, *, sharing_with: str = ""
    ) -> None:
        """The student's own agreement (from age 7) and, when known, the guardian's."""
        actor = actor or self.counselor
        student = case.student
        child_agrees = student is None or age_on(student.date_of_birth, day) >= CHILD_CONSENT_AGE
        if child_agrees:
            scopes = {Scope.COUNSELING}
            if student is not None:
                scopes.add(Scope.FAMILY_CONTACT)
            if sharing_with:
                scopes.add(Scope.SHARING)
            services.consent_record(
                actor=actor,
                case=case,
                given_by=ConsentGiver.STUDENT,
                scopes=scopes,
                method=ConsentMethod.VERBAL,
                given_on=day,
                partner_name=sharing_with,
            )
        if student is None:
            return
        if self.level == U and not sharing_with and self.rng.random() < 0.5:
            return  # an older student's counseling rests on their own agreement
        scopes = {Scope.COUNSELING}
        if not child_agrees:
            scopes.add(Scope.FAMILY_CONTACT)
        if sharing_with:
            scopes.add(Scope.SHARING)
        # The guardian signs the paper the next day; for a child under 7 it is the guardian's
        # agreement that lets the talk start, so it is given that day.
        given_on = min(day + datetime.timedelta(days=1), self.today) if child_agrees else day
        services.consent_record(
            actor=actor,
            case=case,
            given_by=ConsentGiver.GUARDIAN,
            guardian=student.guardians.all()[0],
            scopes=scopes,
            method=ConsentMethod.WRITTEN,
            given_on=given_on,
            partner_name=sharing_with,
        )

    def assess(self, scenario: Scenario, case: Case, day, actor=None, *, again: bool = False):
        risk = scenario.risk
        reasons = scenario.risk_reasons
        if again:
            prefix = "Đánh giá lại: "
            if scenario.high_risk:
                risk = RiskLevel.MEDIUM
                reasons = "Đánh giá lại: nguy cơ giảm, không còn ý nghĩ làm hại bản thân trong ba tuần; vẫn cần theo dõi và duy trì kế hoạch an toàn."
            else:
                reasons = prefix + reasons
        services.assessment_record(
            actor=actor or self.counselor,
            case=case,
            assessed_on=day,
            risk_level=risk,
            risk_reasons=reasons,
            protective_factors=scenario.protective,
            needs=scenario.needs,
        )

    def plan(self, scenario, case, day, review_on, actor=None, *, goals: str = ""):
        plan = services.plan_save(
            actor=actor or self.counselor,
            case=case,
            goals=goals or scenario.goals,
            review_on=review_on,
        )
        self._backdate(SupportPlan, plan.pk, created_at=self.at(day, 16, 0))

    def action(
        self, case, description_owner, due_on, actor=None, *, done: bool = False
    ) -> PlanAction:
        description, owner = description_owner
        actor = actor or self.counselor
        action = services.action_add(
            actor=actor,
            case=case,
            description=self.fill_case(description, case),
            owner=self.fill_case(owner, case),
            due_on=due_on,
        )
        if done:
            services.action_set_status(actor=actor, action=action, status=ActionStatus.DONE)
            self._backdate(PlanAction, action.pk, done_on=min(due_on, self.today))
        return action

    def session(
        self,
        scenario: Scenario,
        case: Case,
        when: datetime.datetime,
        note: str,
        actor=None,
        *,
        form: str = SessionForm.INDIVIDUAL,
        others=(),
        follow_up_on=None,
        emergency_reason: str = "",
        old: bool = False,
    ):
        others_present = ""
        if note.startswith(PARENT_MARK):
            note = note.removeprefix(PARENT_MARK)
            if case.student is not None:
                guardian = case.student.guardians.all()[0]
                others_present = f"{guardian.get_relationship_display()}: {guardian.full_name}"
        if form == SessionForm.INDIVIDUAL and not others_present and self.level == U:
            form = self.rng.choice([SessionForm.INDIVIDUAL] * 3 + [SessionForm.ONLINE])
        session = services.session_record(
            actor=actor or self.counselor,
            case=case,
            held_at=when,
            form=form,
            duration_minutes=self.rng.choice([30, 40, 45, 45, 60]),
            other_students=others,
            others_present=others_present,
            content_groups=self.content(scenario, old),
            notes=self.fill_case(note, case),
            next_steps=scenario.next_steps,
            follow_up_on=follow_up_on,
            emergency_reason=emergency_reason,
        )
        if session.emergency_id:
            self._backdate(EmergencyOverride, session.emergency_id, recorded_at=when)
        self.stats["sessions"] += 1
        return session

    def restrict(self, case: Case, counselors, actor=None) -> None:
        services.case_assign(
            actor=actor or self.counselor, case=case, counselors=counselors, restricted=True
        )

    # --- The school ------------------------------------------------------------------------

    def run(self) -> None:
        pool = _scenarios_for(self.level)
        high = next(s for s in pool if s.high_risk)
        ordinary = [s for s in pool if not s.high_risk]
        self.rng.shuffle(ordinary)
        supporting = next(s for s in ordinary if s.group_note)
        rest = [s for s in ordinary if s is not supporting]
        # The 2024 case is about a student two grades younger then: a problem not tied to a grade.
        pilot = next(s for s in rest if s.grades == (1, 12))
        received, assessing, planning, closed, reopened = [s for s in rest if s is not pilot][:5]

        self.queue(ordinary)
        self.received(received)
        self.assessing(assessing)
        self.planning(planning)
        self.supporting(supporting)
        self.reviewing(high)
        self.closed(closed)
        self.reopened(reopened)
        self.pilot_2024(pilot)
        if self.level == U or self.code == "01-LINHNAM":
            self.answered()
        self.safeguarding()

    def safeguarding(self) -> None:
        """Alerts as a school would have them: the high-risk ones of past weeks acknowledged
        the same morning; at Trung Tự and Minh Phú a concern of abuse recorded today, with its
        reporting clock — still to report at Trung Tự, reported to 111 at Minh Phú."""
        for alert in SafeguardingAlert.objects.filter(school=self.unit):
            assessment = (
                Assessment.objects.filter(case=alert.case, risk_level__in=["high", "imminent"])
                .order_by("assessed_on", "pk")
                .first()
            )
            raised = self.at(assessment.assessed_on, 9, 10)
            SafeguardingAlert.objects.filter(pk=alert.pk).update(
                raised_at=raised,
                ack_due_at=raised + datetime.timedelta(minutes=settings.DIEMTUA_ALERT_ACK_MINUTES),
                acknowledged_at=raised + datetime.timedelta(minutes=25),
                acknowledged_by=alert.raised_by,
            )
        if self.code not in (TRUNGTU, MINHPHU):
            return
        case = (
            Case.objects.filter(school=self.unit, stage=Stage.SUPPORTING, restricted=False)
            .exclude(student=None)
            .order_by("pk")
            .first()
        )
        services.assessment_record(
            actor=self.counselor,
            case=case,
            assessed_on=self.today,
            risk_level=RiskLevel.MEDIUM,
            risk_reasons="Em kể bị người lớn trong nhà đánh nhiều lần, trên tay có vết bầm mới.",
            protective_factors="Em tin cô giáo chủ nhiệm và bà ngoại.",
            needs="An toàn ở nhà; một người lớn đáng tin theo dõi hằng ngày.",
            abuse_concern=True,
        )
        if self.code == MINHPHU:
            alert = SafeguardingAlert.objects.get(case=case, reason=AlertReason.ABUSE)
            alerts.acknowledge(actor=self.counselor, alert=alert)
            alerts.report_record(
                actor=self.counselor,
                alert=alert,
                reported_at=timezone.now(),
                reported_to=ReportedTo.HOTLINE_111,
                reporter="Hiệu trưởng nhà trường",
                reference="Cuộc gọi tới Tổng đài 111, tiếp nhận viên ghi số vụ việc",
            )

    def queue(self, ordinary: list[Scenario]) -> None:
        """2–4 requests nobody has taken up yet, sent over the last two days."""
        now = timezone.now()
        count = self.rng.randint(2, 4)
        # (message, groups, student, anonymous, as_parent, said_urgent)
        items = []
        if self.code == TRUNGTU or self.index % 4 == 0:
            groups, message = DANGER_REQUESTS[self.level]
            items.append((message, [self.groups[c] for c in groups], None, True, False, False))
        elif self.rng.random() < 0.6:
            scenario = self.rng.choice(ordinary)
            items.append((scenario.request, self.content(scenario), None, True, False, True))
        while len(items) < count:
            scenario = self.rng.choice(ordinary)
            student = self.student_for(scenario)
            as_parent = bool(scenario.parent_request) and self.rng.random() < 0.5
            anonymous = not as_parent and self.rng.random() < 0.4
            text = scenario.parent_request if as_parent else scenario.request
            items.append(
                (
                    self.fill(text, student),
                    self.content(scenario),
                    student,
                    anonymous,
                    as_parent,
                    False,
                )
            )
        for message, groups, student, anonymous, as_parent, urgent in items:
            self.submit(
                message=message,
                groups=groups,
                student=student,
                class_name="" if student else self.student().class_name,
                anonymous=anonymous,
                as_parent=as_parent,
                urgent=urgent,
                created=now - datetime.timedelta(minutes=self.rng.randint(40, 48 * 60)),
            )
        if self.teacher is not None:
            student = self.student(min_grade=2)
            referral = intake.teacher_referral_create(
                actor=self.teacher,
                student=student,
                message=TEACHER_WORRY.format(name=student.full_name, cls=student.class_name),
                content_groups=[self.groups["tt18_psychology"]],
            )
            self._backdate(HelpRequest, referral.pk, created_at=self.at(self.day(1), 15, 20))
            self.stats["requests"] += 1

    def received(self, scenario: Scenario) -> None:
        """An anonymous web request, just taken up: the case waits for its first talk."""
        cls = self.student_for(scenario).class_name  # the asker stays unnamed
        help_request = self.submit(
            message=scenario.request,
            groups=self.content(scenario),
            class_name=cls,
            anonymous=True,
            urgent=self.rng.random() < 0.4,
            created=self.at(self.day(2), 20, self.rng.randint(0, 59)),
        )
        opened = self.day(1)
        case = self.open_case(
            scenario,
            opened,
            student=None,
            cls=cls,
            alias=f"Học sinh lớp {cls}",
            urgent=help_request.is_urgent,
        )
        self.attach(help_request, case, self.at(opened, 7, 35))

    def assessing(self, scenario: Scenario) -> None:
        # At Trung Tự this one is the second counselor's, restricted to her: tv.trungtu does
        # not see it.
        actor = self.second or self.counselor
        student = self.student_for(scenario)
        case = self.open_case(
            scenario,
            self.day(6),
            student=student,
            actor=actor,
            restricted=True if self.second is not None else None,
        )
        self.consents(case, self.day(5), actor)
        self.move(case, Stage.ASSESSING, self.day(5), actor)
        self.session(scenario, case, self.at(self.day(5)), scenario.notes[0], actor)
        self.assess(scenario, case, self.day(4), actor)

    def planning(self, scenario: Scenario) -> None:
        student = self.student_for(scenario)
        opened = self.day(14)
        case = self.open_case(scenario, opened, student=student)
        if self.teacher is not None:
            # gv.trungtu's earlier referral: she now sees it as "being handled", nothing more.
            what = self.fill(scenario.summary, student)
            referral = intake.teacher_referral_create(
                actor=self.teacher,
                student=student,
                message=TEACHER_TAKEN_UP.format(
                    name=student.full_name, cls=student.class_name, what=what[0].lower() + what[1:]
                ),
                content_groups=self.content(scenario),
            )
            self._backdate(HelpRequest, referral.pk, created_at=self.at(self.day(15), 16, 10))
            self.stats["requests"] += 1
            self.attach(referral, case, self.at(opened, 7, 40))
            # Both Trung Tự counselors work on this one, unrestricted.
            services.case_assign(
                actor=self.counselor,
                case=case,
                counselors=[self.counselor, self.second],
                restricted=False,
            )
        self.consents(case, self.day(13))
        self.move(case, Stage.ASSESSING, self.day(13))
        self.session(scenario, case, self.at(self.day(13)), scenario.notes[0])
        self.assess(scenario, case, self.day(12))
        self.move(case, Stage.PLANNING, self.day(11))
        self.plan(scenario, case, self.day(11), self.today + datetime.timedelta(days=21))
        for offset, action in enumerate(scenario.actions):
            self.action(case, action, self.today + datetime.timedelta(days=3 + 5 * offset))

    def supporting(self, scenario: Scenario) -> None:
        """The plan under way: a group session, an overdue action, a follow-up coming."""
        student = self.student_for(scenario)
        case = self.open_case(scenario, self.day(35), student=student)
        self.consents(case, self.day(34))
        self.move(case, Stage.ASSESSING, self.day(34))
        self.session(scenario, case, self.at(self.day(34)), scenario.notes[0])
        self.assess(scenario, case, self.day(33))
        self.move(case, Stage.PLANNING, self.day(33))
        self.plan(scenario, case, self.day(32), self.today + datetime.timedelta(days=14))
        actions = list(scenario.actions)
        self.action(case, actions[0], self.day(25), done=True)
        self.action(case, actions[1], self.day(4))  # still open: overdue in the queue
        if len(actions) > 2:
            self.action(case, actions[2], self.today + datetime.timedelta(days=7))
        self.move(case, Stage.SUPPORTING, self.day(32))
        others = self.classmates(student, 2)
        for other in others:
            self.group_member(scenario, other)
        self.session(
            scenario,
            case,
            self.at(self.day(21)),
            scenario.group_note,
            form=SessionForm.GROUP,
            others=others,
        )
        for other in others:
            member_case = Case.objects.get(school=self.unit, student=other, alias="")
            self.move(
                member_case,
                Stage.CLOSED,
                self.day(20),
                outcome=Outcome.RESOLVED,
                closing_summary="Em tham gia đủ buổi sinh hoạt nhóm và thấy vui khi đến lớp.",
            )
        self.session(scenario, case, self.at(self.day(10)), scenario.notes[1])
        # At Trung Tự tv.trungtu has this follow-up due today.
        days = 0 if self.code == TRUNGTU else self.rng.randint(0, 6)
        self.session(
            scenario,
            case,
            self.at(self.day(3)),
            scenario.notes[2],
            follow_up_on=self.today + datetime.timedelta(days=days),
        )

    def reviewing(self, scenario: Scenario) -> None:
        """The high-risk case: restricted, two plan versions; at two schools an emergency."""
        student = self.student_for(scenario)
        opened = self.day(56)
        emergency = self.code in EMERGENCY_SCHOOLS
        by_phone = emergency and self.level == U  # a call to the school's line, in the evening
        case = self.open_case(
            scenario,
            opened,
            student=student,
            urgent=True,
            opened_at=self.at(opened, 20, 35) if by_phone else None,
        )
        if not emergency and self.index % 2 == 0:
            # At half the schools it began with the student's own words on the help page,
            # which the danger list flagged as urgent.
            help_request = self.submit(
                message=scenario.request,
                groups=self.content(scenario),
                student=student,
                anonymous=False,
                created=self.at(self.day(57), 21, self.rng.randint(0, 59)),
            )
            self.attach(help_request, case, self.at(opened, 7, 35))
        sharing_with = HOSPITAL if self.code == DISCLOSURE_SCHOOL else ""
        notes = list(scenario.notes)
        if emergency:
            first = self.at(opened, 20, 40) if by_phone else self.at(opened, 10, 20)
            self.move(case, Stage.ASSESSING, opened, at=first)
            # No consent yet: the session goes ahead on the recorded emergency.
            self.session(
                scenario,
                case,
                first,
                notes[0],
                form=SessionForm.PHONE if by_phone else SessionForm.INDIVIDUAL,
                emergency_reason=EMERGENCY_REASONS[self.code],
            )
            # Consent follows on a later school day (day(55) may fall back onto the opening
            # Saturday when it is a Sunday).
            later = next(d for d in map(self.day, range(55, 0, -1)) if d > opened)
            self.consents(case, later, sharing_with=sharing_with)
        else:
            self.consents(case, opened, sharing_with=sharing_with)
            self.move(case, Stage.ASSESSING, opened)
            self.session(scenario, case, self.at(opened), notes[0])
        self.assess(scenario, case, self.day(55))
        self.move(case, Stage.PLANNING, self.day(54))
        self.plan(scenario, case, self.day(54), self.day(20))
        actions = list(scenario.actions)
        self.action(case, actions[0], self.day(54), done=True)
        self.action(case, actions[1], self.day(50), done=True)
        self.action(case, actions[2], self.day(47), done=True)
        self.move(case, Stage.SUPPORTING, self.day(54))
        self.session(scenario, case, self.at(self.day(51)), notes[1])
        if sharing_with:
            disclosure = services.disclosure_record(
                actor=self.counselor,
                case=case,
                partner_name=HOSPITAL,
                content=(
                    f"Phiếu chuyển gửi: học sinh lớp {student.class_name}, có ý nghĩ tự sát lặp "
                    f"lại, một lần gọi điện trong khủng hoảng ngày {opened:%d/%m/%Y}; kết quả "
                    "đánh giá nguy cơ của trường và kế hoạch an toàn hiện tại; đề nghị khám, tư "
                    "vấn chuyên khoa. Không gửi ghi chép chi tiết các buổi tư vấn."
                ),
            )
            self._backdate(Disclosure, disclosure.pk, shared_at=self.at(self.day(50), 9, 0))
        self.session(scenario, case, self.at(self.day(33)), notes[2])
        self.assess(scenario, case, self.day(20), again=True)
        self.plan(
            scenario,
            case,
            self.day(20),
            self.today + datetime.timedelta(days=21),
            goals="Điều chỉnh sau lần rà soát thứ nhất: duy trì kế hoạch an toàn, gặp hai tuần một lần, phối hợp lịch tái khám; em tự theo dõi giấc ngủ và tâm trạng.",
        )
        if len(actions) > 3:
            self.action(case, actions[3], self.today + datetime.timedelta(days=10))
        self.session(
            scenario,
            case,
            self.at(self.day(12)),
            notes[3],
            follow_up_on=self.today + datetime.timedelta(days=self.rng.randint(2, 9)),
        )
        self.move(case, Stage.REVIEWING, self.day(2))

    def closed(self, scenario: Scenario) -> None:
        """A named web request, a whole case, and the reply the student reads with the code."""
        student = self.student_for(scenario)
        help_request = self.submit(
            message=scenario.request,
            groups=self.content(scenario),
            student=student,
            anonymous=False,
            created=self.at(self.day(70), 21, self.rng.randint(0, 59)),
        )
        opened = self.day(69)
        case = self.open_case(scenario, opened, student=student)
        self.attach(help_request, case, self.at(opened, 7, 35))
        self.consents(case, opened)
        self.move(case, Stage.ASSESSING, opened)
        self.session(scenario, case, self.at(opened), scenario.notes[0])
        self.assess(scenario, case, self.day(68))
        self.move(case, Stage.PLANNING, self.day(67))
        self.plan(scenario, case, self.day(67), self.day(40))
        for offset, action in enumerate(scenario.actions):
            self.action(case, action, self.day(60 - 7 * offset), done=True)
        self.move(case, Stage.SUPPORTING, self.day(67))
        self.session(scenario, case, self.at(self.day(60)), scenario.notes[1])
        self.session(scenario, case, self.at(self.day(46)), scenario.notes[2])
        self.move(case, Stage.REVIEWING, self.day(40))
        self.move(
            case,
            Stage.CLOSED,
            self.day(38),
            outcome=scenario.outcome,
            closing_summary=scenario.closing,
        )
        given_name = student.full_name.split()[-1]
        services.request_reply(
            actor=self.counselor,
            help_request=help_request,
            reply=self.rng.choice(REPLIES).format(name=given_name),
        )
        self._backdate(HelpRequest, help_request.pk, replied_at=self.at(self.day(38), 16, 45))

    def reopened(self, scenario: Scenario) -> None:
        """Closed two months ago, reopened last week, being assessed again."""
        student = self.student_for(scenario)
        opened = self.day(90)
        case = self.open_case(scenario, opened, student=student)
        self.consents(case, opened)
        self.move(case, Stage.ASSESSING, opened)
        self.session(scenario, case, self.at(opened), scenario.notes[0])
        self.assess(scenario, case, self.day(89))
        self.move(case, Stage.PLANNING, self.day(88))
        self.plan(scenario, case, self.day(88), self.day(60))
        self.action(case, scenario.actions[0], self.day(75), done=True)
        self.move(case, Stage.SUPPORTING, self.day(88))
        self.session(scenario, case, self.at(self.day(74)), scenario.notes[1])
        self.move(case, Stage.REVIEWING, self.day(60))
        case = self.move(
            case,
            Stage.CLOSED,
            self.day(58),
            outcome=Outcome.IMPROVED,
            closing_summary=scenario.closing,
        )
        case = services.case_reopen(
            actor=self.counselor, case=case, reason=self.rng.choice(REOPEN_REASONS)
        )
        self._backdate_last_stage(case, self.at(self.day(7), 10, 0))
        self.session(scenario, case, self.at(self.day(6)), scenario.notes[2])
        self.assess(scenario, case, self.day(6), again=True)

    def pilot_2024(self, scenario: Scenario) -> None:
        """A case of the 2024 pilot, filed under Circular 31/2017's groups and closed then."""
        span = (PILOT_LAST_OPENING - PILOT_FIRST_OPENING).days
        opened = PILOT_FIRST_OPENING + datetime.timedelta(days=self.rng.randint(0, span))
        if opened.weekday() == 6:
            opened -= datetime.timedelta(days=1)

        def later(days: int) -> datetime.date:
            day = opened + datetime.timedelta(days=days)
            return day + datetime.timedelta(days=1) if day.weekday() == 6 else day

        # Today's roster: who was then in grade 1–3 of this primary school, or grade 6 of this
        # lower secondary school, is still here; the 2024 upper secondary students have left,
        # so their case carries a label instead of a name.
        cls = ""
        if self.level == P:
            student = self.student(min_grade=4)
        elif self.level == L:
            student = self.student(min_grade=9)
        else:
            student = None
            cls = f"{self.rng.choice(['10', '11'])}A"
        alias = f"Học sinh lớp {cls} (năm học 2023–2024)" if cls else ""
        case = self.open_case(scenario, opened, student=student, cls=cls, alias=alias, old=True)
        self.consents(case, opened)
        self.move(case, Stage.ASSESSING, opened)
        self.session(scenario, case, self.at(opened), scenario.notes[0], old=True)
        self.assess(scenario, case, later(2))
        self.move(case, Stage.PLANNING, later(4))
        self.plan(scenario, case, later(4), later(40))
        for offset, action in enumerate(scenario.actions):
            self.action(case, action, later(12 + 7 * offset), done=True)
        self.move(case, Stage.SUPPORTING, later(4))
        self.session(scenario, case, self.at(later(12)), scenario.notes[1], old=True)
        self.session(scenario, case, self.at(later(26)), scenario.notes[2], old=True)
        self.move(case, Stage.REVIEWING, later(40))
        self.move(
            case,
            Stage.CLOSED,
            later(45),
            outcome=scenario.outcome,
            closing_summary=scenario.closing,
        )

    def answered(self) -> None:
        """A question a reply settles: answered and closed without a case."""
        groups, question, answer = POLICY_QUESTION
        help_request = self.submit(
            message=question,
            groups=[self.groups[c] for c in groups],
            class_name=self.student().class_name,
            anonymous=True,
            created=self.at(self.day(9), 19, 30),
        )
        services.request_reply(
            actor=self.counselor, help_request=help_request, reply=answer, close=True
        )
        reply_at = self.at(self.day(8), 10, 0)
        self._backdate(HelpRequest, help_request.pk, replied_at=reply_at, handled_at=reply_at)
