"""民主测评 and documents, 督查督办, 红黄灯 and reminders, the 大屏, rehearsals, bulk imports."""

from __future__ import annotations

from api.console.labels.common import DONE, ERRORS
from api.console.labels.organizer import COLUMNS
from api.console.labels.pages import EVENT_TYPES

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
    "screen_note": "模拟测评（演练） · 结果不计入考核",
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
