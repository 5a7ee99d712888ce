"""Every Chinese word of the console's inbox and ticket pages."""

from __future__ import annotations

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
}

#: Inbox groups: (key, label). "all" is every ticket in scope.
GROUPS: tuple[tuple[str, str], ...] = (
    ("all", "全部"),
    ("new", "新工单"),
    ("urgent", "紧急"),
    ("overdue", "超期"),
    ("escalated", "已提级"),
    ("waiting", "待回复"),
)

ROLE_LABELS: dict[str, str] = {
    "secretary": "社区书记",
    "grid_worker": "网格员",
    "police": "社区民警",
}

#: Channels a resident reports through, as staff read them.
CHANNEL_LABELS: dict[str, str] = {
    "web": "网页聊天",
    "wechat": "微信公众号",
    "miniprogram": "微信小程序",
    "wecom": "企业微信",
    "telegram": "Telegram",
    "open311": "对接系统（Open311）",
}

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
    "urge": "居民催办",
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
}
