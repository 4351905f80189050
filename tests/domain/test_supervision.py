"""约谈, 督办 and feedback amendments as aggregates (no store): decide, then record."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import RuleViolationError, ValidationError
from domain.feedback import Feedback
from domain.supervision import SupervisionOrder, Talk, require_talk_grade

TODAY = date(2026, 12, 6)
PROBLEMS = [{"code": "P1", "description": "问题一"}, {"code": "P2", "description": "问题二"}]


def codes(error: pytest.ExceptionInfo[Exception]) -> str:
    return getattr(error.value, "code", "")


class TestTalks:
    def test_only_participants_graded_average_or_poor_of_final_results_are_called(self):
        require_talk_grade("average", True)
        require_talk_grade("poor", True)
        with pytest.raises(RuleViolationError) as good:
            require_talk_grade("good", True)
        with pytest.raises(RuleViolationError) as early:
            require_talk_grade("poor", False)
        assert (codes(good), codes(early)) == ("talk_not_required", "results_not_final")

    def test_a_talk_is_recorded_once_and_not_ahead_of_time(self):
        talk = Talk.schedule("c", "o", "2026-12-10", "书记", "等次为差", "organizer")
        with pytest.raises(ValidationError):
            talk.record("2026-12-07", "市委书记", "记录", TODAY, "organizer")
        talk.record("2026-12-06", "市委书记", "记录", TODAY, "organizer")
        with pytest.raises(RuleViolationError) as twice:
            talk.record("2026-12-06", "市委书记", "记录", TODAY, "organizer")
        assert talk.held == {"held_on": "2026-12-06", "held_by": "市委书记", "notes": "记录"}
        assert codes(twice) == "talk_already_recorded"

    def test_a_talk_needs_a_reason(self):
        with pytest.raises(RuleViolationError) as error:
            Talk.schedule("c", "o", "2026-12-10", "书记", "  ", "organizer")
        assert codes(error) == "reason_required"


class TestOrders:
    def order(self) -> SupervisionOrder:
        return SupervisionOrder.issue("o", None, "city", "督办", "按期整改", "2026-12-20", TODAY,
                                      "inspector")

    def test_open_answered_sent_back_answered_closed(self):
        order = self.order()
        order.respond("已整改", "sec")
        assert order.status == "answered"
        order.close(False, "材料不全", "inspector")
        assert order.status == "open"
        order.respond("已补充", "sec")
        order.close(True, None, "inspector")
        assert order.status == "closed"

    def test_refusals(self):
        order = self.order()
        with pytest.raises(RuleViolationError) as early:
            order.close(True, None, "inspector")
        order.respond("已整改", "sec")
        with pytest.raises(RuleViolationError) as twice:
            order.respond("再答", "sec")
        with pytest.raises(RuleViolationError) as no_note:
            order.close(False, None, "inspector")
        with pytest.raises(ValidationError):
            SupervisionOrder.issue("o", None, "city", "督办", "整改", "2026-12-05", TODAY, "i")
        assert (codes(early), codes(twice), codes(no_note)) == (
            "order_not_answered", "order_not_open", "reason_required")


class TestFeedbackAmendment:
    def feedback(self) -> Feedback:
        return Feedback.issue("c", "o", "反馈", PROBLEMS, "organizer")

    def test_amends_text_or_problems_with_a_reason(self):
        feedback = self.feedback()
        feedback.amend(None, PROBLEMS[:1], "P2 已整改", None, set(), "organizer")
        feedback.amend("修订", None, "文字更正", "returned", {"P1"}, "organizer")
        assert (feedback.text, feedback.problem_codes) == ("修订", ["P1"])

    def test_refusals(self):
        feedback = self.feedback()
        cases = [
            ((None, PROBLEMS[:1], "更正", "submitted", {"P1", "P2"}), "problem_in_use"),
            (("修订", None, "更正", "approved", set()), "plan_already_approved"),
            (("修订", None, None, None, set()), "reason_required"),
            ((None, None, "更正", None, set()), "invalid_field"),
            ((None, PROBLEMS + PROBLEMS[:1], "更正", None, set()), "duplicate_problem_code"),
        ]
        for args, code in cases:
            with pytest.raises((RuleViolationError, ValidationError)) as error:
                feedback.amend(*args, "organizer")
            assert codes(error) == code, args
        assert feedback.problem_codes == ["P1", "P2"]
