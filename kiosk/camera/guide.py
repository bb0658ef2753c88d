"""The capture guide: one hint at a time, a 3-2-1 countdown on a good frame, then the capture.

A pure state machine (no Qt, no clock of its own): the page feeds it every analysis with its
timestamp and renders what it says, so the UI holds no capture logic and tests need no timers.

    guide = CaptureGuide()
    step = guide.feed(report, time.monotonic())   # every QualityReport
    step.hint        # one guidance id to show (messages.*, or COUNTDOWN while counting)
    step.countdown   # 3, 2, 1 while counting down, else None
    step.capture     # True once: take the photo now (the frame of this very report)
    guide.manual(now)             # 拍照 pressed: always captures
    guide.refused(now, reason)    # a photo was refused: say why, no auto capture for a while

How the behaviour was chosen (identity-verification capture as Onfido / Login.gov do it): the
person gets a single, specific instruction, the most important one first
(`messages.GUIDANCE_ORDER`); a hint changes only when two analyses in a row agree, so it does
not flicker; a good frame starts a visible countdown instead of a surprise shot, and any
problem that persists for two analyses cancels it with its hint; the shot is taken only on a
frame that was judged good. A refusal names what to change (`reason_for`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.camera import messages
from kiosk.camera.quality import QualityReport, Thresholds

# The id the guide adds to the camera's messages (its text: the translation catalog): "hold
# still", shown with the 3-2-1 number drawn over the preview. A refusal shows
# messages.REJECTED with the hint of `GuideStep.reason` under it.
COUNTDOWN = "countdown"

SEARCHING, COUNTING, CAPTURED = "searching", "countdown", "captured"


@dataclass(frozen=True)
class GuideStep:
    state: str  # SEARCHING | COUNTING | CAPTURED
    hint: str  # a guidance id
    countdown: int | None = None
    capture: bool = False
    reason: str | None = None  # after a capture or refusal: what to change, if anything


class CaptureGuide:
    def __init__(
        self,
        countdown_s: float = 3.0,
        agree: int = 2,
        cancel_after: int = 2,
        refused_pause_s: float = 4.0,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.countdown_s = countdown_s
        self.agree = agree  # analyses in a row before the shown hint changes
        self.cancel_after = cancel_after  # bad analyses in a row that cancel a countdown
        self.refused_pause_s = refused_pause_s
        self.thresholds = thresholds or Thresholds()
        self.reset()

    def reset(self) -> None:
        """Back to searching (page shown again, 重新拍照)."""
        self.state = SEARCHING
        self.hint = messages.STARTING
        self.last: QualityReport | None = None
        self._candidate: str | None = None
        self._streak = 0
        self._bad = 0
        self._count_from: float | None = None
        self._paused_until = 0.0
        self.reason: str | None = None

    # --- inputs --------------------------------------------------------------------------
    def feed(self, report: QualityReport, now: float) -> GuideStep:
        """One analysed frame at time `now` (seconds, any monotonic clock)."""
        if self.state == CAPTURED:
            return self.step()
        self.last = report
        wanted = messages.GOOD if report.ok else report.primary
        if wanted == self._candidate:
            self._streak += 1
        else:
            self._candidate, self._streak = wanted, 1
        settled = self._streak >= self.agree or self.hint == messages.STARTING
        if settled and now >= self._paused_until:
            self.hint = wanted

        if self.state == COUNTING:
            self._bad = 0 if report.ok else self._bad + 1
            if self._bad >= self.cancel_after:
                self.state, self._count_from = SEARCHING, None
                self.hint = wanted
            elif report.ok and self._count_from is not None and (
                now - self._count_from >= self.countdown_s
            ):
                return self._capture(None)
        elif report.ok and now >= self._paused_until and self._streak >= self.agree:
            # Good for `agree` analyses in a row, not merely the first frame after a start.
            self.state, self._count_from, self._bad = COUNTING, now, 0
        return self.step(now)

    def manual(self, now: float) -> GuideStep:
        """拍照: the photo is taken whatever the guide thinks; `reason` says what was wrong."""
        if self.state == CAPTURED:
            return self.step()
        last = self.last
        return self._capture(None if last is None or last.ok else last.primary)

    def refused(self, now: float, reason: str | None = None) -> GuideStep:
        """The photo was refused (R12's bureau answer or the camera's own checks): back to
        searching with the reason shown, and no automatic capture for `refused_pause_s`."""
        why = reason or reason_for(self.last, self.thresholds)
        self.reset()
        self.reason = why
        self.hint = messages.REJECTED
        self._paused_until = now + self.refused_pause_s
        return self.step(now)

    # --- output --------------------------------------------------------------------------
    def step(self, now: float | None = None) -> GuideStep:
        if self.state == COUNTING and self._count_from is not None and now is not None:
            left = self.countdown_s - (now - self._count_from)
            n = max(1, min(int(self.countdown_s), int(-(-left // 1))))  # ceil, 3 -> 2 -> 1
            return GuideStep(COUNTING, COUNTDOWN, n)
        return GuideStep(self.state, self.hint, None, False, self.reason)

    def _capture(self, reason: str | None) -> GuideStep:
        self.state, self._count_from = CAPTURED, None
        self.reason = reason
        self.hint = messages.REVIEW
        return GuideStep(CAPTURED, messages.REVIEW, None, True, reason)


# Which measure a guidance id is about, and how far inside its limit a value is (1 = at the
# threshold, larger = safer). Used to name the likeliest cause when a photo that passed every
# check is refused by the bureau.
def _margins(report: QualityReport, t: Thresholds) -> dict[str, float]:
    m = report.metrics
    out: dict[str, float] = {}
    if "fill" in m:
        out[messages.MOVE_CLOSER] = m["fill"] / t.min_fill
        out[messages.MOVE_BACK] = t.max_fill / max(m["fill"], 1e-6)
    if "ied_px" in m:
        out[messages.MOVE_CLOSER] = min(out.get(messages.MOVE_CLOSER, 9.0),
                                        m["ied_px"] / t.min_ied_px)
    if "offset" in m:
        out[messages.CENTER] = t.max_offset / max(m["offset"], 1e-6)
    pose = []
    if "roll_deg" in m:
        pose.append(t.max_roll_deg / max(abs(m["roll_deg"]), 1e-6))
    if "yaw_index" in m:
        pose.append(t.max_yaw_index / max(abs(m["yaw_index"]), 1e-6))
    if pose:
        out[messages.FACE_CAMERA] = min(pose)
    if "luminance" in m:
        out[messages.TOO_DARK] = m["luminance"] / t.min_luminance
        out[messages.TOO_BRIGHT] = t.max_luminance / max(m["luminance"], 1e-6)
    if "uniformity" in m:
        out[messages.UNEVEN_LIGHT] = m["uniformity"] / t.min_uniformity
    if "sharpness" in m:
        out[messages.HOLD_STILL] = m["sharpness"] / t.min_sharpness
    return out


def reason_for(report: QualityReport | None, thresholds: Thresholds | None = None) -> str:
    """What to change, as one guidance id, from the analysis of the refused photo: its first
    problem, or (every check passed, the bureau still refused) the measure nearest its limit."""
    if report is None or report.faces == 0:
        return messages.NO_FACE
    if not report.ok:
        return report.primary
    margins = _margins(report, thresholds or Thresholds())
    if not margins:
        return messages.FACE_CAMERA
    return min(margins, key=lambda k: margins[k])
