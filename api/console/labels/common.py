"""The shared vocabulary: grades, phases, levels, roles, statuses, flag and task kinds, table
columns, error messages, and the console's own words used on many pages."""

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

#: Column headers of the documents (XLSX sheets, DOCX tables) and of the bulk-import sheets.
STANDINGS_COLUMNS: dict[str, str] = {
    "rank": "排名",
    "org_name": "单位",
    "org_code": "单位代码",
    "secretary": "书记",
    "review_score": "评议得分",
    "satisfaction": "满意度",
    "good": "好（票）",
    "fairly_good": "较好（票）",
    "average": "一般（票）",
    "poor": "差（票）",
    "indicator_score": "指标得分",
    "rectification_score": "整改得分",
    "total": "总分",
    "grade": "等次",
    "movement": "位次变化",
    "vetoed": "一票否决",
}

BOARD_ITEM_COLUMNS: dict[str, str] = {
    "org_code": "单位代码",
    "org_name": "单位",
    "item_id": "事项编号",
    "problem_code": "问题编号",
    "measure": "整改措施",
    "owner": "责任人",
    "due_date": "完成时限",
    "status": "状态",
    "percent": "进度（%）",
    "overdue": "是否逾期",
}

BOARD_ORG_COLUMNS: dict[str, str] = {
    "org_code": "单位代码",
    "org_name": "单位",
    "plan_status": "整改方案",
    "total": "整改事项",
    "verified": "已销号",
    "overdue": "逾期",
    "completion_rate": "完成率",
}

AUDIT_COLUMNS: dict[str, str] = {
    "position": "位置",
    "recorded_at": "记录时间",
    "aggregate_id": "对象编号",
    "aggregate_type": "对象类型",
    "version": "版本",
    "type": "事件类型",
    "actor": "操作人",
    "org_code": "单位代码",
    "cycle_id": "考核周期",
    "reason": "理由",
    "data": "内容",
    "hash": "哈希",
}

YES_NO: dict[bool, str] = {True: "是", False: "否"}
PROVISIONAL = "暂定"
FINAL = "已定档"

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
    "read_model_rebuilding": "系统升级后正在整理数据，请稍后刷新",
    "ballot_not_found": "测评码无效或已使用",
    "ballots_rejected": "纸质测评票有误，未录入",
    "malformed_sheet": "文件不是有效的测评票录入表",
    "panel_member_without_category": "评议人未设置类别",
    # 约谈, 督办, feedback amendments (issue 16)
    "talk_not_required": "该单位考核等次不需要约谈",
    "talk_already_recorded": "该约谈已登记",
    "talk_holder_required": "只有组织单位或上级纪检监察人员可以约谈",
    "order_not_open": "该督办事项当前不能答复",
    "order_not_answered": "该督办事项尚未答复",
    "problem_in_use": "整改方案引用了该问题，请先退回整改方案",
    "plan_already_approved": "整改方案已批准，不能再修改反馈",
    # the console's own refusals
    "csrf_failed": "页面已过期或表单来源无效，请返回后刷新页面重新提交",
    "session_expired": "登录已失效，请重新登录",
    "malformed_form": "提交的表单无法识别",
    "not_found": "没有找到该页面或内容",
    "method_not_allowed": "不支持此操作方式",
    # refusals of the use cases a person can meet
    "admin_required": "只有系统管理员可以进行此操作",
    "organizer_required": "只有本级组织部（考核组织者）可以进行此操作",
    "secretary_required": "只有本单位书记可以进行此操作",
    "not_panel_member": "您不是本周期的评议人",
    "outside_scope": "该内容不在您的权限范围内",
    "password_too_short": "密码至少需要 10 个字符",
    "password_unchanged": "新密码不能与当前密码相同",
    "invalid_password": "密码不符合要求",
    "no_password": "该账号尚未设置密码",
    "must_change_password": "请先修改密码",
    "passwords_differ": "两次输入的新密码不一致",
    "unknown_cycle": "没有找到该考核周期",
    "unknown_participant": "该单位不是本周期的考核对象",
    "not_a_participant": "该单位不是本周期的考核对象",
    "unknown_org": "没有找到该单位",
    "unknown_account": "没有找到该账号",
    "unknown_rating": "请选择评议等次",
    "unknown_item": "没有找到该整改事项",
    "report_not_found": "没有找到述职报告",
    "invalid_as_of": "截至时间格式不正确",
    "invalid_transition": "当前阶段不能进行此变更",
    "finalize_required": "请先定档",
    "item_not_open": "该整改事项已结束",
    "write_conflict": "内容已被他人修改，请刷新后重试",
    "organizer_or_inspector": "只有考核组织者和督查人员可以查看",
    "report_version_not_found": "没有该版本的述职报告",
    "unknown_level": "层级不正确",
}
ERROR_FALLBACK = "操作未能完成"

#: Documents and bulk imports (kept apart from the list above, which other features extend).
ERRORS.update({
    "feedback_not_issued": "尚未下发书面反馈",
    "results_not_final": "考核结果尚未定档",
    "import_rejected": "文件中有错误，未导入任何内容",
    "unsupported_media_type": "文件类型不正确，请上传 .xlsx 或 UTF-8 编码的 CSV 文件",
    # one cell of an imported sheet (error.details[].error)
    "empty_file": "文件为空或没有数据行",
    "unreadable_file": "无法读取文件",
    "not_utf8": "CSV 文件不是 UTF-8 编码",
    "unknown_column": "无法识别的列",
    "missing_column": "缺少必需的列",
    "duplicate_column": "列名重复",
    "missing_value": "必填项为空",
    "invalid_code": "代码格式不正确",
    "invalid_name": "名称格式不正确",
    "duplicate_code": "单位代码在文件中重复",
    "duplicate_account": "账号在文件中重复",
    "unknown_parent": "上级单位不存在",
    "invalid_parent": "上级单位的层级不对",
    "unknown_level": "层级不正确",
    "unknown_org": "单位不存在",
    "unknown_role": "角色不正确",
    "invalid_role": "角色格式应为 角色@单位代码",
    "org_differs": "单位已存在且信息不同（导入不修改已有单位）",
    "account_differs": "账号已存在且信息不同（导入不修改已有账号）",
    "too_many_rows": "行数过多",
})
#: The 民主测评 phone page and printed slips.
BALLOT: dict[str, str] = {
    "page_title": "民主测评票",
    "intro": "请对以下单位党委（党组）书记抓基层党建工作情况作出评价。每项可选 好、较好、一般、差；"
             "不选视为弃权。本票不记名，提交后不能修改。",
    "submit": "提交",
    "done_title": "提交成功",
    "done": "感谢您参加民主测评。您的评价已记录，本测评码已失效。",
    "not_found_title": "测评码无效",
    "not_found": "此测评码无效或已使用。如有疑问，请联系会议工作人员。",
    "closed_title": "测评未开放",
    "closed": "当前不在民主测评时间内，请在会议组织的测评时间内扫码评价。",
    "refused_title": "未能提交",
    "rate_limited": "尝试次数过多，请稍后再试。",
    "bad_origin": "请求来源不正确，请直接扫描测评票上的二维码。",
    "no_participants": "暂无可评价的单位。",
    "slips_title": "民主测评票（扫码评价）",
    "slip_hint": "请用手机扫描二维码进行评价，每码限用一次",
    "slip_code": "测评码",
    "category": "类别",
}


def error_message(code: str) -> str:
    return ERRORS.get(code, f"{ERROR_FALLBACK}（{code}）")


#: Words of the console itself (navigation, buttons, headings) used on more than one page.
UI: dict[str, str] = {
    "app_name": "联述联评联考",
    "app_subtitle": "党组织书记抓基层党建述职评议考核",
    "home": "我的待办",
    "cycles": "考核周期",
    "audit": "审计日志",
    "sign_in": "登录",
    "sign_out": "退出",
    "account": "账号",
    "password": "密码",
    "change_password": "修改密码",
    "current_password": "当前密码",
    "new_password": "新密码",
    "new_password_again": "再次输入新密码",
    "save": "保存",
    "submit": "提交",
    "back": "返回",
    "standings": "排名",
    "as_of": "截至时间",
    "show": "查看",
    "required": "必填",
    "nothing": "暂无",
    "overdue": "已逾期",
    "due": "截止",
}

#: Flash messages after an action (POST-redirect-GET), by what was done.
DONE: dict[str, str] = {
    "signed_in": "登录成功",
    "signed_out": "您已安全退出",
    "password_changed": "密码已修改",
    "rated": "评议已提交",
    "rating_amended": "评议已修改",
}
