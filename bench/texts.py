"""The words of a generated province: reports, comments, feedback problems and measures, in the
register of a 基层党建述职 (sizes close to real ones: a report is a couple of KB of text)."""

from __future__ import annotations

import random

_ACHIEVEMENTS = (
    "认真履行抓基层党建第一责任人职责，年内专题研究基层党建工作{n}次，",
    "推进“三联一住”常态化，县乡干部联系服务群众{n}余人次，",
    "完成后进村党组织整顿转化{n}个，村“两委”班子战斗力明显增强，",
    "社区网格化管理实现全覆盖，建立网格党小组{n}个，",
    "非公企业和社会组织党组织覆盖率提高到{n}%，",
    "实施“领头雁”培训工程，培训村党组织书记{n}人次，",
    "落实村级组织运转经费和服务群众专项经费，新建改建活动场所{n}处，",
    "推进党建项目化管理，确定书记抓党建项目{n}个并全部销号，",
    "开展党员积分制管理，发展党员{n}名，其中35岁以下占比过半，",
    "建成智慧党建平台，党员信息化管理覆盖{n}个支部，",
)
_PROBLEMS = (
    ("后进村整顿转化进度偏慢，部分村“两委”班子战斗力不强",
     "制定后进村整顿转化台账，包村领导每月督导"),
    ("非公企业和社会组织党组织覆盖面不够", "开展非公企业党建集中攻坚，选派党建指导员"),
    ("村级组织活动场所建设和经费保障落实不到位", "足额落实运转经费，年内完成活动场所改造"),
    ("党员教育管理存在宽松软现象", "落实“三会一课”，推行党员积分制管理"),
    ("抓党建与抓发展结合不紧", "实施党建+产业项目，建立联席推进机制"),
    ("基层党建信息化应用不深", "推广智慧党建平台，开展操作培训"),
    ("软弱涣散基层党组织排查不够精准", "建立动态排查机制，每季度研判一次"),
)
_COMMENTS = (
    "述职报告实事求是，问题查找较准。", "抓党建举措有力，成效明显。", "整改措施还需细化。",
    "对问题的剖析深度不够。", "工作有亮点，建议总结推广。", "基层基础工作仍较薄弱。",
)
_PROGRESS = (
    "已召开专题会议部署整改工作。", "已完成阶段性目标，正在巩固提升。",
    "整改台账已建立，逐项推进中。", "已组织督导组实地核查。", "整改资金已落实到位。",
)


def report(r: random.Random, org_name: str, year: int) -> dict[str, str]:
    sentences = r.sample(_ACHIEVEMENTS, k=8)
    achievements = "".join(s.format(n=r.randint(3, 95)) for s in sentences)
    problems = "；".join(p for p, _ in r.sample(_PROBLEMS, k=3))
    return {
        "title": f"{org_name}党组织书记{year}年度抓基层党建工作述职报告",
        "achievements": achievements * 3 + "各项工作取得了新的成效。",
        "problems": f"对照年初目标，仍存在以下问题：{problems}。",
        "plans": "下一步，将坚持书记抓、抓书记，实施“领头雁”培训，推进项目化、信息化党建，"
                 "把整改情况作为明年述职考核的重要内容。",
    }


def comment(r: random.Random) -> str | None:
    return r.choice(_COMMENTS) if r.random() < 0.3 else None


def problems(r: random.Random) -> list[dict[str, str]]:
    chosen = r.sample(range(len(_PROBLEMS)), k=r.randint(3, 5))
    return [{"code": f"P{n + 1}", "description": _PROBLEMS[n][0]} for n in sorted(chosen)]


def measure(problem_code: str) -> str:
    return _PROBLEMS[int(problem_code[1:]) - 1][1]


def progress(r: random.Random) -> str:
    return r.choice(_PROGRESS)
