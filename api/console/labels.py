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

DEADLINES: dict[str, str] = {
    "report_due": "述职报告截止日期",
    "review_due": "评议截止日期",
    "plan_due": "整改方案截止日期",
}

#: The scheme's weights (考核方案的权重), by component.
WEIGHTS: dict[str, str] = {
    "review": "民主评议",
    "indicators": "考核指标",
    "rectification": "整改落实",
}

#: Why a reviewer may not rate a participant (access.rating_conflicts).
CONFLICTS: dict[str, str] = {
    "holds_grant": "在该单位任职",
    "appointed_secretary": "本人为该单位书记",
    "own_org": "本人所在单位",
    "declared": "已申报回避",
}

#: Column headings and words of the cycle, standings and review pages.
COLUMNS: dict[str, str] = {
    "cycle": "考核周期",
    "year": "年度",
    "level": "层级",
    "organizer": "组织单位",
    "phase": "阶段",
    "participants": "考核对象",
    "my_roles": "我的角色",
    "rank": "排名",
    "org": "单位",
    "secretary": "书记",
    "total": "总分",
    "grade": "等次",
    "review_score": "民主评议得分",
    "indicator_score": "考核指标得分",
    "rectification_score": "整改落实得分",
    "satisfaction": "满意度",
    "movement": "名次变化",
    "report": "述职报告",
    "ratings": "评议",
    "scores": "评分",
    "feedback": "书面反馈",
    "plan": "整改方案",
    "indicator": "考核指标",
    "max_points": "分值",
    "weight": "权重",
    "threshold": "分数线",
    "min_satisfaction": "满意度不低于",
    "quota": "比例上限",
    "rating": "评议等次",
    "comment": "评议意见",
    "reason": "修改理由",
    "status": "状态",
    "count": "数量",
    "version": "版本",
    "submitted_at": "提交时间",
    "achievements": "主要成绩",
    "problems": "存在问题",
    "plans": "下步打算",
    "return_reason": "退回理由",
}

#: The organizer's pages (考核组织者): buttons, headings and flash messages.
ORGANIZER: dict[str, str] = {
    "new_cycle": "新建考核周期",
    "title": "标题",
    "cycle_code": "周期代码",
    "organizer_org": "组织单位",
    "previous_cycle": "上一周期",
    "no_previous": "无",
    "scheme": "考核方案",
    "indicators": "考核指标",
    "indicator_code": "指标代码",
    "indicator_name": "指标名称",
    "rating_points": "评议等次分值",
    "weights": "权重",
    "thresholds": "等次分数线",
    "gates": "满意度要求",
    "quota": "等次比例上限",
    "create": "创建",
    "participants": "考核对象",
    "add_participant": "添加考核对象",
    "add_all_children": "添加全部下级单位",
    "remove": "移除",
    "removal_reason": "移除理由",
    "copy_previous": "复制上年名单",
    "copy_participants": "复制考核对象",
    "copy_panel": "复制评议人",
    "left_out": "未复制",
    "panel": "评议人",
    "add_panel_member": "添加评议人",
    "account": "账号",
    "deadlines": "截止时间",
    "deadline_reason": "变更理由",
    "save_deadlines": "保存截止时间",
    "advance": "推进到下一阶段",
    "go_back": "退回上一阶段",
    "go_back_reason": "退回理由",
    "confirm": "确认",
    "cancel": "取消",
    "manage": "考核",
    "return_report": "退回修改",
    "scoring": "考核评分",
    "points": "得分",
    "note": "说明",
    "amend_reason": "修改理由",
    "veto": "一票否决",
    "veto_reason": "否决理由",
    "vetoed": "已一票否决",
    "finalize": "定档",
    "finalize_confirm": "确认定档",
    "finalize_notice": "定档后结果将冻结，以下为当前的暂定结果。请核对后确认。",
    "feedback": "书面反馈",
    "feedback_text": "反馈意见",
    "problem_code": "问题编号",
    "problem_description": "问题描述",
    "issue_feedback": "发送反馈",
    "plan": "整改方案",
    "approve_plan": "批准",
    "return_plan": "退回整改方案",
    "measure": "整改措施",
    "owner": "责任人",
    "due_date": "完成时限",
    "percent": "进度",
    "verify": "销号审核",
    "accept": "通过销号",
    "reject": "不予销号",
    "verify_note": "审核意见",
    "extend": "延期",
    "new_due_date": "新的完成时限",
    "extend_reason": "延期理由",
    "board": "整改台账",
    "flags": "督查提示",
    "flag_kind": "提示类型",
    "flag_when": "时间",
    "flag_detail": "详情",
    "verified_share": "销号比例",
    "items": "整改事项",
    "view_report": "查看述职报告",
    "results": "暂定结果",
}

#: Why the scheme editor refused a field (domain/scheme.py's messages, by their start).
SCHEME_PROBLEMS: dict[str, str] = {
    "is required": "必填",
    "must be a number": "请填写数字",
    "must be a finite number": "请填写数字",
    "is out of range": "数值超出范围",
    "must not exceed": "数值过大或高于上一档",
    "must not be less than": "不能为负数",
    "must be greater than 0": "必须大于 0",
    "must not be empty": "不能为空",
    "must not start or end with whitespace": "首尾不能有空格",
    "at least one indicator": "至少需要一项考核指标",
    "at least one weight": "至少一项权重须大于 0",
    "duplicate": "指标代码重复",
}
SCHEME_PROBLEM_FALLBACK = "填写有误"

DONE.update({
    "cycle_created": "考核周期已创建",
    "participant_added": "已添加考核对象",
    "participants_added": "已添加全部下级单位",
    "participant_removed": "已移除考核对象",
    "panel_added": "已添加评议人",
    "panel_removed": "已移除评议人",
    "copied": "已复制上年名单",
    "deadlines_set": "截止时间已保存",
    "advanced": "阶段已变更",
    "report_returned": "述职报告已退回修改",
    "scored": "评分已保存",
    "vetoed": "已一票否决",
    "finalized": "已定档",
    "feedback_issued": "书面反馈已发送",
    "plan_approved": "整改方案已批准",
    "plan_returned": "整改方案已退回",
    "item_verified": "销号审核已保存",
    "item_extended": "已延期",
})

ERRORS.update({
    "invalid_scheme": "考核方案填写有误",
    "cycle_exists": "该年度的考核周期已存在",
    "invalid_previous_cycle": "上一周期须为本单位同层级的往年周期",
    "deadlines_out_of_order": "截止时间顺序不正确",
    "deadlines_unchanged": "截止时间没有变化",
    "no_deadlines": "请至少填写一个截止时间",
    "not_direct_subordinate": "该单位不是本级直接下级",
    "nothing_to_add": "全部下级单位均已是考核对象",
    "nothing_to_copy": "上年名单已全部在本周期中，或无法复制",
    "no_previous_cycle": "本周期没有上一周期",
    "participants_or_panel_required": "请选择复制考核对象或评议人",
    "feedback_exists": "已发送过书面反馈",
    "plan_not_submitted": "该单位尚未提交整改方案",
    "already_participant": "该单位已是考核对象",
    "already_panel_member": "该账号已是评议人",
    "not_panel_member": "该账号不是评议人",
    "points_out_of_range": "得分超出该指标分值",
})

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

#: The organizer's 民主测评 page (api/console/pages/ballots.py) and the document buttons.
BALLOTS: dict[str, str] = {
    "page": "民主测评",
    "batches": "测评票批次",
    "category": "类别",
    "kind": "方式",
    "issued": "已发放",
    "cast": "已投票",
    "voided": "已作废",
    "entered_by": "录入人",
    "void_reason": "作废原因",
    "void": "作废",
    "issue": "发放测评码",
    "count": "数量",
    "issue_submit": "生成测评码",
    "issued_codes": "新生成的测评码（只显示这一次，请立即打印）",
    "print": "打印测评票",
    "paper": "纸质测评票",
    "template": "下载录入模板",
    "file": "已填写的录入表（.xlsx）",
    "dry_run": "仅检查（不录入）",
    "upload": "上传",
    "rejected": "以下单元格有误，全部未录入",
    "row": "行",
    "column": "列",
    "error": "错误",
    "accepted": "有效测评票",
    "checked": "检查通过，未录入",
    "imported": "已录入",
    "no_file": "请选择要上传的文件",
    "file_too_large": "文件过大",
    "readonly": "仅考核组织者可以发放、作废和录入测评票。",
}
BALLOT_KINDS: dict[str, str] = {"codes": "扫码", "paper": "纸质"}
DOCUMENTS: dict[str, str] = {
    "standings_xlsx": "下载排名表",
    "bulletin_docx": "下载结果通报",
    "rectification_xlsx": "下载整改台账",
    "feedback_docx": "下载反馈意见",
}
# -- 督查督办 (api/console/pages/supervision.py) ---------------------------------------------------

SUPERVISION: dict[str, str] = {
    "nav": "督查督办",
    "board": "督办事项",
    "to_answer": "待办理的督办",
    "issue": "下发督办",
    "org": "督办单位",
    "cycle": "关联考核周期",
    "no_cycle": "不关联",
    "subject": "事项",
    "requirement": "要求",
    "due_date": "办理时限",
    "status": "状态",
    "all": "全部",
    "filter": "筛选",
    "issued_by": "督办方",
    "responses": "办理情况",
    "respond": "报送办理情况",
    "response_text": "办理情况说明",
    "close": "通过",
    "send_back": "退回",
    "send_back_note": "退回意见",
    "close_note": "审核意见",
    "order": "督办单",
    "coverage": "一级抓一级",
    "year": "年度",
    "child": "下级单位",
    "reports": "述职报告",
    "plans": "整改方案",
    "items_overdue": "逾期整改事项",
    "no_cycle_run": "未组织考核",
    "talks": "约谈",
    "schedule_talk": "安排约谈",
    "scheduled_for": "约谈日期",
    "with_name": "约谈对象",
    "talk_reason": "约谈事由",
    "record_talk": "记录约谈",
    "held_on": "约谈时间",
    "held_by": "约谈人",
    "notes": "约谈记录",
    "held": "已约谈",
    "not_held": "待约谈",
    "record": "考核档案",
    "total": "总分",
    "grade": "等次",
    "rank": "名次",
    "completion": "整改完成率",
}
ORDER_STATUSES: dict[str, str] = {"open": "待办理", "answered": "已报送", "closed": "已办结"}
DONE.update({
    "order_issued": "督办已下发",
    "order_answered": "办理情况已报送",
    "order_closed": "督办已办结",
    "order_sent_back": "督办已退回",
    "talk_scheduled": "约谈已安排",
    "talk_recorded": "约谈已记录",
})

# -- 红黄灯 and reminders ---------------------------------------------------------------------
LIGHTS: dict[str, str] = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
COLUMNS.update({"light": "红黄灯"})
EVENT_TYPES.update({"Cycle.WarnDaysSet": "设置预警天数"})
#: A reminder's words (api/reminders/process.py): {light} 黄灯/红灯, {kind} the task, {title} the
#: cycle, {org} the participant, {due} the date, {when} yellow/red below.
REMINDERS: dict[str, str] = {
    "subject": "【联评】{light}提醒：{kind}",
    "text": "【联评】{light}提醒：{title} · {org} · {kind}，截止日期 {due}，{when}。",
    "yellow": "即将到期",
    "red": "已逾期",
}
ERRORS.update({
    "invalid_contact": "联系方式格式不正确",
    "invalid_warn_days": "预警天数须为 0 至 60 的整数",
})
DONE.update({"contact_set": "联系方式已保存"})
#: Contact details (admin account page) and the reminders of a cycle (its page, its list).
CONTACT: dict[str, str] = {
    "title": "提醒联系方式",
    "email": "电子邮箱",
    "mobile": "手机号码",
    "hint": "用于红黄灯提醒；留空即删除（不记入审计日志）",
    "save": "保存联系方式",
    "reminders_line": "提醒发送失败 {failed} 条 · 待发送 {pending} 条",
    "reminders": "红黄灯提醒",
    "person": "提醒对象",
    "task": "事项",
    "due": "截止日期",
    "light": "灯",
    "status": "状态",
    "attempts": "尝试次数",
    "next_attempt_at": "下次尝试",
    "last_error": "最近错误",
}
REMINDER_STATUSES: dict[str, str] = {
    "pending": "待发送", "delivered": "已发送", "failed": "发送失败",
}
CONTACT.update({"warn_days": "黄灯预警天数（截止前几天亮黄灯）"})
#: The 大屏 hall screen (/screen/{cycle_id}) and its controls on the 民主测评 page.
SCREEN: dict[str, str] = {
    "heading": "民主测评",
    "returns": "测评票回收率",
    "category": "类别",
    "issued": "发放",
    "cast": "收回",
    "total": "合计",
    "no_ballots": "尚未发放测评票",
    "panel": "评议人评议进度",
    "recorded": "已评",
    "expected": "应评",
    "tally": "测评结果",
    "tally_hidden": "测评结果待公布",
    "tally_hidden_note": "投票结束后由考核组织者公布",
    "votes": "票",
    "revealed_at": "公布时间",
    "updated": "更新于",
    "live": "实时",
    "paused": "已暂停更新",
    "not_reported": "未提交述职报告",
    "section": "大屏展示",
    "open": "打开大屏",
    "open_note": "大屏每 2 秒自动更新，适合 1920×1080 投影。",
    "reveal": "公布结果",
    "reveal_confirm": "我已确认投票结束，公布各单位测评结果",
    "reveal_note": "公布后大屏显示各单位的得票数（只有票数，不显示谁投了什么票）；"
                   "公布不可撤回，并记入审计记录。",
    "revealed": "结果已公布",
    "reveal_later": "进入评议阶段、投票开始后可以公布结果。",
    "links": "只读大屏链接",
    "links_note": "用于会场投影电脑，无需登录，只能查看大屏；可随时撤销。",
    "create_link": "生成只读链接",
    "new_link": "新生成的只读链接（只显示这一次，请立即复制）",
    "created_at": "生成时间",
    "created_by": "生成人",
    "status": "状态",
    "live_link": "有效",
    "revoked": "已撤销",
    "revoke": "撤销",
    "link_revoked": "链接已撤销",
}
ERRORS.update({
    "tally_revealed": "测评结果已公布",
    "screen_link_not_found": "大屏链接无效或已撤销",
    "unknown_screen_link": "没有找到该大屏链接",
    "screen_link_revoked": "该大屏链接已撤销",
    "too_many_screen_links": "有效的大屏链接过多，请先撤销不用的链接",
})
EVENT_TYPES.update({
    "HallScreen.Opened": "开启大屏",
    "HallScreen.TallyRevealed": "公布测评结果",
    "HallScreen.LinkCreated": "生成大屏链接",
    "HallScreen.LinkRevoked": "撤销大屏链接",
})
# -- 模拟测评（演练）(rehearsal cycles: api/console/pages/rehearsals.py) ---------------

REHEARSAL: dict[str, str] = {
    "badge": "演练",
    "ended_badge": "演练已结束",
    "checkbox": "模拟测评（演练）",
    "checkbox_hint": "演练走完整流程，但不计入考核档案、名次变化、整改结转和一级抓一级；"
                     "结束后从各方待办中移除",
    "note": "本周期为模拟测评（演练），结果不计入考核档案，也不作为下一年度的上年周期。",
    "end": "结束演练",
    "end_reason": "结束原因",
    "ended": "演练已于 {at} 结束（结束于“{phase}”阶段），原因：{reason}",
    "document_mark": "（演练）",
}
DONE.update({"rehearsal_ended": "演练已结束"})
ERRORS.update({
    "not_a_rehearsal": "正式考核周期不能“结束演练”",
    "rehearsal_already_ended": "该演练已结束",
    "rehearsal_ended": "该演练已结束，不能再进行此操作",
    "cycle_id_used_by_rehearsal": "该周期代码已被演练使用，正式考核周期请使用其他代码",
    "cycle_id_reserved": "该周期代码留给正式考核周期使用",
    "previous_cycle_is_rehearsal": "演练不能作为上一考核周期",
})
EVENT_TYPES.update({"Cycle.RehearsalEnded": "结束演练"})
# -- the admin's 批量导入 page (api/console/pages/imports.py, import_sheet.py) ---------------------
IMPORT_KINDS: dict[str, str] = {"organizations": "组织机构", "accounts": "账号"}
#: The import sheets' column codes (their header line) by their Chinese names.
IMPORT_COLUMNS: dict[str, str] = {
    "code": "单位代码",
    "name": "名称（单位名称或姓名）",
    "level": "层级",
    "parent_code": "上级单位代码",
    "secretary_name": "书记姓名",
    "account_id": "账号",
    "org_code": "所在单位代码",
    "roles": "角色",
}
IMPORT_HELP: dict[str, str] = {
    "code": "单位代码（必填）：字母、数字及 _ . : @ -，最长 64 位",
    "name": "名称（必填）：单位全称或本人姓名，一行，最长 200 字",
    "level": "层级（必填）：province 省、city 市、county 县（市、区）、township 乡镇",
    "parent_code": "上级单位代码：省级单位留空；上级可以在目录中已有，也可以在本文件中",
    "secretary_name": "书记姓名（选填）：填写后任命为该单位书记",
    "account_id": "账号（必填）：登录用的账号，字母、数字及 _ . : @ -",
    "org_code": "所在单位代码（选填）：须是已有单位",
    "roles": "角色（选填）：角色@单位代码，多个用分号分隔；角色为 admin、organizer、"
             "secretary、inspector、panel",
}
IMPORT_RULES: dict[str, list[str]] = {
    "organizations": [
        "第一张工作表的第一行是列名（请勿修改），从第二行起每行一个单位，顺序不限。",
        "已有单位信息相同的行不会重复录入；信息不同的行会被拒绝（导入不修改已有单位）。",
        "任何一行有误，整个文件都不会录入。",
    ],
    "accounts": [
        "第一张工作表的第一行是列名（请勿修改），从第二行起每行一个账号。",
        "已有账号只补充缺少的角色，不撤销任何角色；姓名或单位不同的行会被拒绝。",
        "导入的账号没有密码：请在账号页设置初始密码（首次登录须修改）。",
        "任何一行有误，整个文件都不会录入。",
    ],
}
IMPORTS: dict[str, str] = {
    "title": "批量导入",
    "intro": "上传组织机构或账号表（.xlsx 或 UTF-8 CSV）。先检查，确认无误后再导入；"
             "文件中任何一处有误，都不会录入任何内容。",
    "kind": "导入内容",
    "file": "文件（.xlsx 或 UTF-8 CSV）",
    "check": "上传并检查",
    "templates": "下载模板",
    "template": "{kind}导入模板（.xlsx）",
    "no_file": "请选择要上传的文件",
    "file_too_large": "文件过大（不超过 1 MB）",
    "rejected": "文件中有错误，未导入任何内容。请修改后重新上传。",
    "rejected_cells": "有误的单元格",
    "row": "行",
    "column": "列",
    "value": "内容",
    "error": "错误",
    "summary": "新增 {created} 条，更新 {updated} 条，已存在未变 {unchanged} 条",
    "checked": "检查通过（尚未录入）",
    "preview": "文件内容预览",
    "more_rows": "另有 {more} 行未显示",
    "confirm": "确认导入",
    "nothing_to_do": "文件中的内容均已存在，无需导入。",
    "applied": "已导入",
    "again": "重新选择文件",
    "help_column": "列名",
    "help_meaning": "含义",
    "help_example": "示例",
}
ERRORS.update({
    "parent_required": "该层级的单位必须填写上一级单位代码",
    "secretary_since_out_of_order": "书记任职日期早于现任书记",
})
