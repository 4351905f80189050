"""The one catalog of Chinese labels a person reads: phases, grades, statuses, flag kinds, roles,
task kinds and error messages. Templates and documents take every label from here."""

from __future__ import annotations

from domain.scheme import GRADE_LABELS

GRADES: dict[str, str] = dict(GRADE_LABELS)

PHASES: dict[str, str] = {
    "preparing": "准备",
    "reporting": "述职报告",
    "reviewing": "评议",
    "finalized": "已定档",
    "rectifying": "整改",
    "closed": "已关闭",
}

LEVELS: dict[str, str] = {
    "province": "省",
    "city": "市",
    "county": "县（市、区）",
    "township": "乡镇",
}

ROLES: dict[str, str] = {
    "admin": "系统管理员",
    "organizer": "组织部（考核组织者）",
    "secretary": "党委（党组）书记",
    "inspector": "督查（纪检、组织）",
    "panel": "评议人",
}

REPORT_STATUSES: dict[str, str] = {"submitted": "已提交", "returned": "已退回修改"}

PLAN_STATUSES: dict[str, str] = {
    "none": "尚未提交",
    "submitted": "待审核",
    "returned": "已退回",
    "approved": "已批准",
}

ITEM_STATUSES: dict[str, str] = {
    "planned": "未开始",
    "in_progress": "整改中",
    "claimed": "申请销号",
    "verified": "已销号",
    "rejected": "销号未通过",
}

FLAG_KINDS: dict[str, str] = {
    "late_submission": "逾期提交",
    "amendment": "修改评议",
    "rescoring": "修改评分",
    "amendment_after_finalization": "定档后修改",
    "reopening": "退回上一阶段",
    "veto": "一票否决",
    "returned_report": "退回述职报告",
    "returned_plan": "退回整改方案",
    "overdue_item": "整改逾期",
    "overdue_extension": "逾期后延期",
    "deadline_changed": "变更截止时间",
    "not_submitted": "逾期未提交",
    "talk_not_held": "未按期约谈",
    "overdue_order": "督办逾期",
    "ballots_voided": "测评票作废",
}

TASK_KINDS: dict[str, str] = {
    "submit_report": "提交述职报告",
    "resubmit_report": "修改后重新提交述职报告",
    "rate": "评议",
    "score": "考核评分",
    "give_feedback": "书面反馈",
    "submit_plan": "提交整改方案",
    "resubmit_plan": "修改后重新提交整改方案",
    "approve_plan": "审核整改方案",
    "report_progress": "报告整改进展",
    "verify_item": "整改销号",
    "hold_talk": "约谈",
    "answer_order": "答复督办",
}

#: Error messages shown to a person, by the API's stable error code; unknown codes fall back to
#: ``ERROR_FALLBACK`` with the code appended, so nothing English reaches a reader unexplained.
ERRORS: dict[str, str] = {
    "invalid_credentials": "账号或密码不正确",
    "rate_limited": "操作过于频繁，请稍后再试",
    "forbidden": "您没有权限进行此操作",
    "conflict_of_interest": "存在利益冲突，不能进行此操作",
    "wrong_phase": "当前阶段不能进行此操作",
    "reason_required": "请填写理由",
    "version_mismatch": "内容已被他人修改，请刷新后重试",
    "report_not_submitted": "该单位尚未提交述职报告",
    "too_many_versions": "提交次数已达上限",
    "validation_error": "填写的内容有误",
    "store_unavailable": "系统暂时不可用，请稍后再试",
    "ballot_not_found": "测评码无效或已使用",
    # 约谈, 督办, feedback amendments (issue 16)
    "results_not_final": "结果尚未确定，不能安排约谈",
    "talk_not_required": "该单位考核等次不需要约谈",
    "talk_already_recorded": "该约谈已登记",
    "talk_holder_required": "只有组织单位或上级纪检监察人员可以约谈",
    "order_not_open": "该督办事项当前不能答复",
    "order_not_answered": "该督办事项尚未答复",
    "problem_in_use": "整改方案引用了该问题，请先退回整改方案",
    "plan_already_approved": "整改方案已批准，不能再修改反馈",
    "feedback_not_issued": "尚未下发书面反馈",
}
ERROR_FALLBACK = "操作未能完成"


def error_message(code: str) -> str:
    return ERRORS.get(code, f"{ERROR_FALLBACK}（{code}）")
