"""The secretary's, inspector's and admin's pages, and the audit trail's event types."""

from __future__ import annotations

from api.console.labels.common import DONE, ERRORS
from api.console.labels.organizer import COLUMNS

# -- secretary, inspector and admin pages (api/console/pages/secretary.py, audit.py, admin.py) --

#: The 述职报告 form's fields.
REPORT_FIELDS: dict[str, str] = {
    "title": "标题",
    "achievements": "主要成效",
    "problems": "问题不足",
    "plans": "下一步打算",
}

#: The 整改方案 editor's and an item's fields.
PLAN_FIELDS: dict[str, str] = {
    "item_id": "编号",
    "problem_code": "对应问题",
    "measure": "措施",
    "owner": "责任人",
    "due_date": "时限",
    "status": "状态",
    "percent": "完成进度（%）",
    "note": "进展情况",
    "evidence": "销号佐证材料",
    "overdue": "已逾期",
}

#: The audit trail's filters, columns and words.
AUDIT: dict[str, str] = {
    "title": "审计日志",
    "cycle_id": "考核周期编号",
    "org_code": "单位代码",
    "actor": "操作人",
    "type": "事件类型",
    "since": "起始时间",
    "until": "截止时间",
    "filter": "筛选",
    "clear_filters": "清除筛选",
    "position": "位置",
    "recorded_at": "记录时间",
    "aggregate": "对象",
    "version": "版本",
    "reason": "理由",
    "data": "事件数据",
    "hash": "哈希",
    "event": "事件",
    "history": "变更历史",
    "next_page": "下一页",
    "first_page": "第一页",
    "export": "导出",
    "notes": "督查记录",
    "add_note": "添加督查记录",
    "note": "记录内容",
    "flags": "督查提示",
    "checkpoints": "签名检查点",
    "verify": "核验",
    "verified": "核验通过",
    "verify_failed": "核验未通过",
    "first_bad_position": "首个异常位置",
    "verified_through": "已核验至位置",
    "signature": "签名",
    "created_at": "创建时间",
    "state": "当前状态",
    "compare": "版本对照",
    "standings_as_of": "查看任意时刻的排名",
}

#: The admin pages' words.
ADMIN: dict[str, str] = {
    "title": "系统管理",
    "orgs": "组织机构",
    "accounts": "账号管理",
    "import": "批量导入",
    "code": "代码",
    "name": "名称",
    "level": "层级",
    "parent_code": "上级单位代码",
    "secretary": "书记",
    "account_id": "账号",
    "account_name": "姓名",
    "org_code": "所在单位代码",
    "grants": "角色",
    "role": "角色",
    "scope": "范围（单位代码）",
    "has_password": "已设密码",
    "q": "搜索",
    "create_org": "新建单位",
    "create_account": "新建账号",
    "grant": "授予角色",
    "revoke": "撤销",
    "set_password": "设置密码",
    "password_hint": "至少 10 个字符；该账号首次登录时须修改密码",
    "issue_token": "签发令牌",
    "expires_in_days": "有效天数",
    "token_once": "令牌只显示这一次，请立即复制保存：",
    "token_id": "令牌编号",
    "revoke_token": "撤销令牌",
    "revoke_sessions": "强制下线（结束全部登录会话）",
    "import_kind": "导入内容",
    "import_file": "文件（.xlsx 或 UTF-8 CSV）",
    "dry_run": "试导入（只检查，不保存）",
    "do_import": "导入",
    "row": "行",
    "column": "列",
    "error": "错误",
    "yes": "是",
    "no": "否",
}

DONE.update({
    "report_submitted": "述职报告已提交",
    "plan_submitted": "整改方案已提交",
    "progress_reported": "整改进展已报告",
    "completion_claimed": "已申请销号",
    "note_recorded": "督查记录已保存",
    "org_created": "单位已创建",
    "account_created": "账号已创建",
    "role_granted": "角色已授予",
    "role_revoked": "角色已撤销",
    "password_set": "密码已设置，该账号首次登录时须修改密码",
    "token_revoked": "令牌已撤销",
    "sessions_revoked": "该账号的全部登录会话已结束",
})

ERRORS.update({
    "invalid_plan": "整改方案填写有误",
    "feedback_not_issued": "尚未收到书面反馈",
    "plan_not_submitted": "尚未提交整改方案",
    "percent_out_of_range": "完成进度应在 0 到 100 之间",
    "unknown_event": "没有找到该事件",
    "unknown_aggregate": "没有找到该对象",
    "auditor_required": "只有督查人员、组织部和系统管理员可以查看审计日志",
    "account_exists": "该账号已存在",
    "org_exists": "该单位代码已存在",
    "unknown_role": "角色不正确",
    "unknown_token": "没有找到该令牌",
    "invalid_checkpoint": "检查点不正确",
    "empty_log": "审计日志为空",
    "chain_broken": "哈希链校验未通过",
})

#: Event types of the audit trail (``lianping:<Aggregate>.<Event>`` without the prefix).
EVENT_TYPES: dict[str, str] = {
    "Organization.Registered": "登记单位",
    "Organization.SecretaryAppointed": "任命书记",
    "Account.Opened": "开设账号",
    "Account.RoleGranted": "授予角色",
    "Account.RoleRevoked": "撤销角色",
    "Account.PasswordSet": "设置密码",
    "Account.PasswordChanged": "修改密码",
    "Account.SessionsRevoked": "强制下线",
    "ApiToken.Issued": "签发令牌",
    "ApiToken.Revoked": "撤销令牌",
    "Cycle.Created": "创建考核周期",
    "CycleSlot.Claimed": "登记考核周期",
    "Cycle.SchemeSet": "设置考核方案",
    "Cycle.DeadlinesSet": "设置截止时间",
    "Cycle.ParticipantAdded": "添加考核对象",
    "Cycle.ParticipantRemoved": "移除考核对象",
    "Cycle.PanelMemberAdded": "添加评议人",
    "Cycle.PanelMemberRemoved": "移除评议人",
    "Cycle.ConflictRecorded": "登记回避",
    "Cycle.PhaseAdvanced": "进入下一阶段",
    "Cycle.Reopened": "退回上一阶段",
    "Cycle.Vetoed": "一票否决",
    "Cycle.Finalized": "定档",
    "Report.Submitted": "提交述职报告",
    "Report.Returned": "退回述职报告",
    "Report.Resubmitted": "重新提交述职报告",
    "Rating.Recorded": "评议",
    "Rating.Amended": "修改评议",
    "IndicatorScore.Recorded": "评分",
    "IndicatorScore.Amended": "修改评分",
    "Feedback.Issued": "书面反馈",
    "RectificationPlan.Submitted": "提交整改方案",
    "RectificationPlan.Resubmitted": "重新提交整改方案",
    "RectificationPlan.Returned": "退回整改方案",
    "RectificationPlan.Approved": "批准整改方案",
    "RectificationPlan.ProgressReported": "报告整改进展",
    "RectificationPlan.CompletionClaimed": "申请销号",
    "RectificationPlan.ItemVerified": "整改销号",
    "RectificationPlan.ClaimRejected": "销号未通过",
    "RectificationPlan.DeadlineExtended": "延期",
    "InspectionNote.Recorded": "督查记录",
}


def event_type(topic: str) -> str:
    """``lianping:Report.Submitted`` → 提交述职报告 (an unknown type as it is recorded)."""
    name = topic.removeprefix("lianping:")
    return EVENT_TYPES.get(name, name)


def field_label(key: str) -> str:
    """A recorded field's name for a person (a report's or plan's field, who, where), else as
    it is recorded."""
    for catalog in (REPORT_FIELDS, PLAN_FIELDS):
        if key in catalog:
            return catalog[key]
    known = {"cycle_id": AUDIT["cycle_id"], "org_code": AUDIT["org_code"],
             "actor": AUDIT["actor"], "reason": AUDIT["reason"], "version": AUDIT["version"],
             "secretary": COLUMNS["secretary"], "items": "整改事项", "rating": COLUMNS["rating"],
             "comment": COLUMNS["comment"], "points": "分数", "text": COLUMNS["feedback"]}
    return known.get(key, key)
