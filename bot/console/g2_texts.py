"""Staff-facing words of the live handoff, 代办 and notices pages (Simplified Chinese)."""

from __future__ import annotations

from typing import Final

# -- live handoff ---------------------------------------------------------------------------
HANDOFFS_TITLE: Final = "等待人工的居民"
HANDOFFS_EMPTY: Final = "目前没有等待人工的居民。"
HANDOFF_TITLE: Final = "人工对话 #{id}"
HANDOFF_NOT_FOUND: Final = "没有找到这个对话，或不在您的管辖范围内。"
HANDOFF_NOT_OPEN: Final = "这个对话已经结束。"
HANDOFF_EMPTY_ANSWER: Final = "请先输入要回复的内容。"
HANDOFF_ANSWERED: Final = "已发送给居民。"
HANDOFF_CLOSED: Final = "已交还机器人。"
HANDOFF_FILED: Final = "已登记工单 {number}。"
STATUS_LABELS: Final = {
    "waiting": "等待回复",
    "answered": "已回复",
    "closed": "已结束",
    "expired": "超时未接",
}
REASON_LABELS: Final = {
    "resident_asked": "居民要求转人工",
    "misunderstood": "机器人未听懂",
}
WHO_RESIDENT: Final = "居民"
WHO_STAFF: Final = "工作人员"
UNPLACED: Final = "未定位"
ANSWER_LABEL: Final = "回复居民"
ANSWER_BUTTON: Final = "发送"
CLOSE_BUTTON: Final = "结束对话，交还机器人"
FILE_HEADING: Final = "根据对话登记工单"
FILE_BUTTON: Final = "登记工单"
OPEN_LINK: Final = "接待"
BACK: Final = "返回"

# -- 代办 ------------------------------------------------------------------------------------
FILING_TITLE: Final = "代办登记"
FILING_SUB: Final = "为居民或公共场所登记诉求，工单标记为“工作人员代办”。"
CATEGORY: Final = "诉求类别"
CHOOSE_CATEGORY: Final = "请选择诉求类别"
DESCRIPTION: Final = "问题描述"
BUILDING: Final = "楼栋编码"
ADDRESS: Final = "地址（楼栋编码或地址文字）"
LANDMARK: Final = "地点说明（户外）"
LOCATE_BUTTON: Final = "使用当前位置"
LOCATING: Final = "正在定位…"
LOCATED: Final = "已获取位置"
LOCATE_FAILED: Final = "无法获取位置，请填写地址。"
PHOTO: Final = "现场照片（可选）"
PHONE: Final = "居民电话（可选）"
SUBMIT: Final = "提交"
FILED: Final = "已登记工单 {number}。"
ERR_CATEGORY: Final = "请选择诉求类别。"
ERR_DESCRIPTION: Final = "请填写问题描述。"
ERR_ADDRESS: Final = "请填写地址或使用当前位置。"
ERR_ADDRESS_UNKNOWN: Final = "没有找到这个地址，请填写更完整的地址或楼栋编码。"
ERR_POINT_UNKNOWN: Final = "当前位置不在辖区内，请填写地址。"
ERR_OUT_OF_SCOPE: Final = "该地址不在您的管辖范围内，无法代办。"
ERR_PHOTO_TYPE: Final = "照片格式不支持，请上传 JPG、PNG、GIF 或 WebP 图片。"
ERR_PHOTO_SIZE: Final = "照片太大，请上传不超过 {mb} MB 的图片。"
ERR_PHONE: Final = "电话号码格式不正确。"
ERR_BAD_FORM: Final = "提交的内容不完整，请重新填写。"
DEFAULT_LANDMARK: Final = "网格员现场定位"

# -- notices -----------------------------------------------------------------------------------
NOTICES_TITLE: Final = "工作提醒"
NOTICES_EMPTY: Final = "暂无提醒。"
NOTICE_KIND_LABELS: Final = {
    "red": "红色事件",
    "urgent": "紧急",
    "escalated": "提级",
    "overdue": "超期",
    "new": "新工单",
    "urged": "催办",
    "reopened": "重办",
    "transferred": "转办",
    "dispatched": "派单",
    "info_received": "居民补充",
    "other": "提醒",
}
#: The leading tag of a notice (bot.tickets.texts.STAFF_NOTICE) -> its kind; the notice row
#: keeps only the text.
NOTICE_KIND_TAGS: Final = (
    ("red", "【红色高频事件】"),
    ("urgent", "【紧急工单】"),
    ("escalated", "【提级工单】"),
    ("overdue", "【超期督办】"),
    ("new", "【新工单】"),
)
