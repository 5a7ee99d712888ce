"""Every Chinese word the ticket side shows a resident or a member of staff.

Status labels, push texts to residents and notices to staff live here and nowhere else, so
that a trainer or operator can reword them in one place. Templates use ``str.format`` fields;
the fields each template may use are listed beside it.
"""

from __future__ import annotations

STATUS_LABELS: dict[str, str] = {
    "submitted": "已提交",
    "accepted": "已受理",
    "in_progress": "办理中",
    "transferred": "已转办",
    "escalated": "已提级办理",
    "resolved": "已办结",
    "closed": "已关闭",
    "reopened": "重新办理中",
    "rejected": "不予受理",
}

URGENCY_LABELS: dict[str, str] = {"normal": "一般", "high": "紧急", "red": "红色（最紧急）"}

TIER_LABELS: dict[str, str] = {"community": "社区", "street": "街道", "district": "区级"}

#: Actor names written into the history when the system itself acts.
SYSTEM_ACTOR = "系统"
RESIDENT_ACTOR = "居民"

#: The satisfaction choices offered after resolution: (button title, rating 1–5).
SATISFACTION_CHOICES: tuple[tuple[str, int], ...] = (("满意", 5), ("基本满意", 3), ("不满意", 1))

OUTDOOR_ADDRESS = "{landmark}（{grid}附近）"  # landmark, grid
UNIT_SUFFIX = "单元"
LIST_SEPARATOR = "、"
ROOM_SUFFIX = "室"

# --- pushes to the reporter and the residents following a ticket -------------------------
# fields: number, category, unit, deadline, reason, note, tier, count, street

RESIDENT_PUSH: dict[str, str] = {
    "accepted": "您反映的“{category}”问题（工单号 {number}）已受理，承办单位：{unit}，预计 {deadline} 前办结。",
    "in_progress": "您的工单 {number}（{category}）正在办理中，承办单位：{unit}。",
    "transferred": "您的工单 {number} 已转交{unit}办理（{reason}），预计 {deadline} 前办结。",
    "escalated": "您的工单 {number}（{category}）已提级至{unit}办理，新的办理时限：{deadline}。",
    "dispatched": "社区已派发{unit}直接办理您的工单 {number}（{category}），预计 {deadline} 前办结。",
    "resolved": "您的工单 {number}（{category}）已办结：{note}\n请对办理结果进行评价。",
    "closed": "您的工单 {number} 已办结归档，感谢您对社区工作的支持！",
    "reopened": "您的工单 {number} 已重新办理（{reason}），承办单位：{unit}，预计 {deadline} 前办结。",
    "rejected": "很抱歉，您的工单 {number}（{category}）未予受理，原因：{reason}。如有疑问，可联系社区书记。",
    "red": "已有 {count} 位居民反映同一“{category}”问题（含您的工单 {number}），已列为高频事件并上报{street}优先处置。",
    "overdue": "您的工单 {number} 已超过办理时限，我们已督促{unit}加快办理，请您谅解。",
    "reminder": "您的工单 {number}（{category}）已办结，请您对办理结果进行评价。",
    "reply": "关于您的工单 {number}（{category}），{unit}回复：{note}",
    "info_requested": "关于您的工单 {number}（{category}），{unit}请您补充情况：{note}\n请直接回复，您的下一条消息会附在工单上。",
}

RESOLVED_DEFAULT_NOTE = "问题已处理完毕。"

# --- notices to staff (grid worker, secretary, street/district staff, departments) -------
# fields: number, category, address, description, deadline, unit, tier, count, street, reason

#: Opens every staff notice of a resident's urging (催办); also how the service tells, from
#: the outbox, whether the handlers were already reminded a moment ago.
URGE_NOTICE_TAG = "【居民催办】"

STAFF_NOTICE: dict[str, str] = {
    "new": "【新工单】{number}｜{category}｜{address}｜{description}｜请于 {deadline} 前办结。",
    "urgent": "【紧急工单】{number}｜{category}｜{address}｜{description}｜请立即处置，时限 {deadline}。",
    "escalated": "【提级工单】{number}｜{category}｜{address}｜已由{tier}提交{unit}办理，时限 {deadline}。原因：{reason}",
    "dispatched": "【社区派单】{number}｜{category}｜{address}｜{description}｜请{unit}于 {deadline} 前办结。",
    "transferred": "【转办工单】{number}｜{category}｜{address}｜转由{unit}办理：{reason}｜时限 {deadline}。",
    "reopened": "【重办工单】{number}｜{category}｜{address}｜居民不满意：{reason}｜时限 {deadline}。",
    "red": "【红色高频事件】{street}：{count} 位居民反映“{category}”（{address}），请立即处置，涉及工单 {numbers}。",
    "urged": URGE_NOTICE_TAG + "工单 {number}｜{category}｜{address}｜居民第 {count} 次催办：{note}｜时限 {deadline}。",
    "overdue": "【超期督办】工单 {number}｜{category}｜{address}｜已超过{tier}办理时限，请尽快办结。",
    "info_received": "【居民补充】工单 {number}｜{category}｜{address}｜{note}",
}

#: Open311 ``service_notice`` of a new request. fields: standard, deadline
OPEN311_NOTICE = "{standard}预计 {deadline} 前办结。"
#: Open311 discovery: whom a partner system asks, and how it gets an api_key.
OPEN311_CONTACT = "请联系本平台的运维单位。"
OPEN311_KEY_SERVICE = "api_key 由本平台的运维单位发放，提交诉求（POST requests）时需要。"

ESCALATION_REASON_OVERDUE = "超过办理时限自动提级"
ESCALATION_REASON_MANUAL = "承办单位申请提级办理"
UNSATISFIED_REASON = "居民对办理结果不满意"
#: Longest staff reply or information request (one history note holds 500 characters).
MAX_REPLY_CHARS = 500
URGE_DEFAULT_NOTE = "居民催办"
#: History notes of staff confirming a predicted category, or setting another.
CATEGORY_CONFIRMED = "确认类别：{name}"
CATEGORY_CHANGED = "类别由“{old}”改为“{new}”"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


# --- operator CLI (``minsheng tickets ...``) ----------------------------------------------

CLI_HOURS = {True: "工作小时", False: "小时"}
CLI_CATALOG_LINE = "{intent:<28} {domain}/{name}  {department}  {hours:g}{unit}  首办:{tier}"
CLI_CATALOG_OK = "服务目录有效：{domains} 个领域，{items} 个事项 ({path})"
CLI_DEAD_LETTERS = "无法送达的消息：{count} 条"
CLI_JOBS_RAN = "已运行：{jobs}"
CLI_JOBS_NONE = "无（未到时间或其他进程正在运行）"
