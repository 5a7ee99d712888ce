"""Every Chinese word of the console's inbox and ticket pages."""

from __future__ import annotations

from collections.abc import Mapping

PAGE: dict[str, str] = {
    "inbox_title": "工单收件箱 · 民生诉求工作台",
    "inbox_heading": "工单收件箱",
    "ticket_title": "工单 {number} · 民生诉求工作台",
    "back": "← 返回收件箱",
    "logout": "退出登录",
    "filter": "筛选",
    "reset": "清除",
    "status": "状态",
    "category": "类别",
    "grid": "网格",
    "since": "起始日期",
    "until": "截止日期",
    "any": "全部",
    "empty": "暂无符合条件的工单。",
    "total": "共 {total} 件",
    "prev": "上一页",
    "next": "下一页",
    "page": "第 {page} / {pages} 页",
    "live": "实时更新中",
    "offline": "连接中断，正在重连…",
    "number": "工单号",
    "created": "提交时间",
    "deadline": "办理时限",
    "unit": "承办单位",
    "tier": "办理层级",
    "address": "标准地址",
    "people": "地址责任人",
    "no_people": "登记簿中无此地址的责任人。",
    "description": "诉求内容",
    "reporter": "反映人",
    "anonymous": "匿名反映",
    "phone": "联系电话",
    "supporters": "附议人数",
    "evidence": "现场材料",
    "no_evidence": "无",
    "external": "外部链接",
    "history": "办理记录",
    "actions": "办理操作",
    "accept": "受理",
    "start": "开始办理",
    "reply": "回复居民",
    "reply_placeholder": "回复内容将通过居民原渠道送达",
    "request_info": "请居民补充",
    "request_info_placeholder": "需要居民补充什么？居民的下一条消息会附在工单上",
    "transfer": "转办",
    "dispatch": "村居发令（派发部门）",
    "department": "部门",
    "reason": "原因",
    "note": "说明",
    "escalate": "提级办理",
    "resolve": "办结",
    "resolve_note": "办结说明",
    "photo": "现场照片（可选）",
    "reject": "不予受理",
    "submit": "提交",
    "status_note": "最新说明",
    "rating": "评价",
    "overdue": "已超期",
    "urgent": "紧急",
    "urgings_heading": "居民已催办 {count} 次",
    "urgings_last": "最近一次：{at}",
    "urgings_more": "另有 {count} 次较早的催办，见办理记录。",
    "staff_filed": "网格员代办",
    "source": "来源",
    "source_ref": "来源编号",
    "predicted": "分类由系统预测，请确认",
    "predicted_short": "分类待确认",
    "confirm_category": "确认分类",
    "confirm_hint": "系统根据诉求内容预测了类别；如不正确，请选择正确的类别后确认。",
    "nav_inbox": "收件箱",
    "nav_handoffs": "等待人工",
    "nav_notices": "工作提醒",
    "nav_file": "代办登记",
    "nav_dashboard": "驾驶舱",
    "handoff_empty": "目前没有等待人工服务的居民。",
    "handoff_total": "{total} 位居民在等待人工",
    "handoff_waiting_since": "等待自 {at}",
    "handoff_answered": "已回复，未结束",
    "handoff_open": "接待",
}

#: Inbox groups: (key, label). "all" is every ticket in scope.
GROUPS: tuple[tuple[str, str], ...] = (
    ("all", "全部"),
    ("new", "新工单"),
    ("urgent", "紧急"),
    ("overdue", "超期"),
    ("escalated", "已提级"),
    ("waiting", "待回复"),
    ("handoff", "等待人工"),
)

ROLE_LABELS: dict[str, str] = {
    "secretary": "社区书记",
    "grid_worker": "网格员",
    "police": "社区民警",
    "lift_rescue": "电梯救援",
}

#: Where tickets come in, as staff read them: the channels residents report through, 代办
#: by staff, partner systems, and the intake sources named so far. An intake source added
#: later brings its own label (:func:`source_label`'s ``extra``).
SOURCE_LABELS: dict[str, str] = {
    "web": "网页聊天",
    "wechat": "微信公众号",
    "miniprogram": "微信小程序",
    "wecom": "企业微信",
    "telegram": "Telegram",
    "callback": "对接渠道（回调）",
    "open311": "对接系统（Open311）",
    "staff": "网格员代办",
    "12345": "12345热线",
    "sensor": "物联感知设备",
    "demo_history": "演示数据",
}
#: The reporter's channel on the ticket page (the same words).
CHANNEL_LABELS = SOURCE_LABELS
#: A source nobody has named yet: its code shows, so staff can still tell sources apart.
UNKNOWN_SOURCE = "其他来源（{source}）"
NO_SOURCE = "来源不明"


def source_label(source: str | None, extra: Mapping[str, str] | None = None) -> str:
    """The Chinese label of where a ticket came in: ``extra`` first (labels of intake
    sources registered elsewhere), then :data:`SOURCE_LABELS`, else a fallback that
    still shows the code."""
    if not source:
        return NO_SOURCE
    if extra and source in extra:
        return extra[source]
    return SOURCE_LABELS.get(source) or UNKNOWN_SOURCE.format(source=source)


EVENT_LABELS: dict[str, str] = {
    "filed": "提交工单",
    "status": "状态变更",
    "follow": "居民附议",
    "rated": "居民评价",
    "escalate": "提级",
    "dispatch": "村居发令",
    "incident": "高频事件处置",
    "overdue": "超期督办",
    "reply": "回复居民",
    "info_requested": "请居民补充",
    "info_received": "居民补充",
    "urged": "居民催办",
    "urgency": "列为高频事件",
    "reminder": "提醒居民评价",
    "auto_close": "自动归档",
    "category": "确认分类",
}

DONE: dict[str, str] = {
    "claim": "已受理。",
    "start": "已开始办理。",
    "reply": "回复已发送给居民。",
    "request-info": "已请居民补充情况。",
    "transfer": "已转办。",
    "dispatch": "已派发部门办理。",
    "escalate": "已提级。",
    "resolve": "已办结，已请居民评价。",
    "reject": "已标记为不予受理。",
    "confirm-category": "分类已确认。",
}

ERRORS: dict[str, str] = {
    "invalid_transition": "当前状态下不能进行此操作。",
    "missing_text": "请填写内容。",
    "text_too_long": "内容过长，请控制在 500 字以内。",
    "missing_reason": "请填写原因。",
    "unknown_department": "请选择有效的部门。",
    "bad_upload": "照片格式不支持或文件过大（支持 JPG、PNG、WEBP、GIF、HEIC）。",
    "bad_input": "填写的内容有误，请检查后重试。",
    "not_found": "未找到该工单，或您无权查看。",
    "bad_filter": "筛选条件有误。",
    "unknown_category": "请选择有效的类别。",
}
