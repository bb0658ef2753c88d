"""What the pages need from the flow (UI follow-ups), and R30: the kiosk has no authority of
its own. Real flow, sandbox over HTTP on 127.0.0.1, real SQLite journal."""

from __future__ import annotations

from datetime import datetime

import cv2
import numpy as np

from kiosk.camera import clips
from kiosk.camera.quality import FaceAnalyzer
from kiosk.flows.messages import CATALOG
from kiosk.flows.validation import password_problems, phrase_problems
from kiosk.services.api import HolderSession
from sandbox.faces import live_photo
from tests.flows.harness import (
    PHRASE,
    Counter,
    another_code,
    data,
    email_code_requested,
    texts,
)


def test_the_photo_step_offers_back_to_the_consent(counter: Counter) -> None:
    # A photo page without a camera must not be a dead end: 上一步 (product review #10).
    view = counter.at("H-SINGLE", "photo")
    assert view.step_id == "photo" and view.can_back
    view = counter.flow.back()
    assert view.step_id == "consent"  # id_check is a check, not a page
    view = counter.to("photo")
    assert view.step_id == "photo" and view.error is None


def test_r20_each_certificate_to_revoke_carries_its_type(counter: Counter) -> None:
    view = counter.at("H-REVOKE", "activation_form")
    assert view.step_id == "revoke_first"
    (item,) = data(view)["revoke"]
    assert item["type"] == "cloud"
    # The catalog's text, the same words the card on screen shows (tests/ui/test_followups_ui).
    assert item["type_label"] == "商業機構“雲簽”帳戶"


def test_ac_ab_0011_the_lock_says_until_when(counter: Counter) -> None:
    view, right = email_code_requested(counter)
    wrong = another_code(right)
    for _ in range(5):
        view = counter.flow.submit({"code": wrong})
    assert view.step_id == "staff"
    (lock,) = [m for m in view.messages if m.help_code == "AC-AB-0011"]
    assert lock.id == "email.locked_until"
    until = datetime.fromisoformat(lock.params["locked_until"].replace("Z", "+00:00"))
    hhmm = until.astimezone().strftime("%H:%M")
    assert lock.params["until"] == hhmm
    assert lock.params["minutes"] == "15"  # the registry's lock time (sandbox: 15 min)
    assert f"已暫時鎖定至 {hhmm}（約 15 分鐘）" in lock.text("zh-Hant")
    assert f"bloqueado até às {hhmm}" in lock.text("pt")
    # The hand-off keeps the number of the step where it happened: the indicator stays.
    assert view.step_number == 1


def test_a_hand_off_at_step_2_keeps_step_2(counter: Counter) -> None:
    counter.at("H-ABC", "photo")
    for face in ("biden", "astronaut", "biden"):
        view = counter.flow.submit({"photo_jpeg": bytearray(live_photo(face))})
    assert view.step_id == "staff" and view.step_number == 2


def test_r23_r24_rules_are_lists_in_every_language() -> None:
    # The ⓘ popover shows one bullet per rule: 3 password rules, 2 phrase rules.
    for msg_id, n in (("activation.password_rules", 3), ("activation.phrase_rules", 2)):
        entry = CATALOG[msg_id]
        assert len([r for r in entry.zh.split("；") if r]) == n
        assert len(entry.pt.splitlines()) == n, entry.pt
        assert len(entry.en.splitlines()) == n, entry.en


def test_r14_every_declaration_point_has_a_pt_and_en_translation(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "declaration")
    points = data(view)["declaration"]
    translations = data(view)["declaration_translations"]
    assert len(points) == 6
    for lang in ("pt", "en"):
        assert len(translations[lang]) == 6 and all(translations[lang]), lang
    assert translations["pt"][0] == (
        "Confirmo que todos os dados acima apresentados são verdadeiros e correctos."
    )
    assert "texto vinculativo" in data(view)["declaration_binding_note"]["pt"]
    assert "binding" in data(view)["declaration_binding_note"]["en"]


def _camera_photo(face: str) -> bytearray:
    """A photo the way the kiosk's camera takes it: the face framed in the guide oval, checked
    by the kiosk's own quality checks, then encoded as the JPEG it hands to the flow."""
    portrait = cv2.imdecode(np.frombuffer(live_photo(face), np.uint8), cv2.IMREAD_COLOR)
    frames = clips.portrait_frames([portrait], 1280, 720, 3)
    analyzer = FaceAnalyzer()
    for frame in frames:
        report = analyzer.analyse(cv2.resize(frame, (640, 360)), 1280)
    assert report.ok, report.issues  # the kiosk's checks pass
    ok, jpeg = cv2.imencode(".jpg", frames[-1])
    assert ok
    return bytearray(jpeg.tobytes())


def test_r30_the_kiosk_holds_no_authority_the_backend_decides(counter: Counter) -> None:
    # A photo the kiosk's camera checks pass, of someone else: the bureau refuses it (R12).
    counter.sign_in("H-SINGLE")  # registered face: biden
    counter.to("photo")
    view = counter.flow.submit({"photo_jpeg": _camera_photo("obama")})
    assert view.step_id == "photo"
    assert view.error is not None and view.error.help_code == "AC-AB-0019"
    assert view.error.text() == "照片未達檢測要求，請重新拍照。"
    trail = counter.journal.audit_trail("R-SINGLE")
    assert [(a.call, a.help_code) for a in trail if a.call == "bureau.match_face"] == [
        ("bureau.match_face", "AC-AB-0019")
    ]
    session = counter.flow.session
    assert isinstance(session, HolderSession)
    assert counter.services.registry.current_renewal(session).progress.face_passed is False
    # The holder's own face: the bureau agrees, and the flow follows it on.
    view = counter.to("activation_form")
    assert view.step_id == "activation_form"
    # A password the kiosk's R23 check accepts, but not the account's: the registry refuses.
    assert password_problems("Wrong-pass-1") == [] and phrase_problems(PHRASE) == []
    view = counter.flow.submit({"password": "Wrong-pass-1", "revocation_phrase": PHRASE})
    assert view.step_id == "activation_form"
    assert view.error is not None and view.error.help_code == "AC-AB-0032"
    assert view.error.text() == "台端之雲簽簽名密碼（存取碼）不正確。"  # R25
    assert "成功激活" not in texts(view)
    calls = [(a.call, a.help_code) for a in counter.journal.audit_trail("R-SINGLE")]
    assert ("registry.activate", "AC-AB-0032") in calls
    # The registry still lists the certificate as waiting for activation.
    assert len(counter.services.registry.current_renewal(session).activation_pending) == 1
