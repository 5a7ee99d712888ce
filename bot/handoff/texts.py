"""Every word of the handoff service a resident or a staff member reads (Simplified Chinese).

What the bot says *inside* the dialogue (the handoff was opened, please wait, back to the
bot) lives in flows/responses.yml; these are the pushes the service writes to the outbox
and the staff command line.
"""

from __future__ import annotations

# -- pushes to the resident (through the outbox, on the resident's own channel) -------------
STAFF_ANSWER = "【社区工作人员 {staff}】{text}"
CLOSED = "工作人员已结束本次人工服务，接下来由小助手继续为您服务，有事随时说。"
EXPIRED = (
    "抱歉，工作人员暂时没能及时回复您，现在由小助手继续为您服务。"
    "您可以把这件事登记成工单，我们会按时限办理，并把进展告诉您。"
)
# The time-out offer's quick replies. The first must stay a title or synonym of the
# ``file_after_handoff`` button in flows/responses.yml (a test checks it): tapping it starts
# the report with what the resident told the staff.
FILE_BUTTON = "登记成工单"
DECLINE_BUTTON = "不用了"

# -- duty hours ------------------------------------------------------------------------
WEEKDAYS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
DAY_RANGE = "{first}至{last}"
DAY_SEPARATOR = "、"
EVERY_DAY = "每天"
PERIOD_SEPARATOR = "、"
MOMENT = "{month}月{day}日 {time}"
TODAY_MOMENT = "今天 {time}"
TOMORROW_MOMENT = "明天 {time}"

# -- staff command line ----------------------------------------------------------------
STATUS_LABELS = {
    "waiting": "等待回复",
    "answered": "已回复",
    "closed": "已结束",
    "expired": "已超时",
}
REASON_LABELS = {
    "resident_asked": "居民要求人工",
    "misunderstood": "机器人没听懂",
}
AUTHOR_LABELS = {"resident": "居民", "staff": "工作人员"}
CLI_NONE_WAITING = "目前没有等待人工服务的居民。"
CLI_HEADER = "等待人工服务的会话（共 {count} 个）："
CLI_LINE = "#{id}  {status}  渠道 {channel}  居民 {sender}  自 {since}  原因 {reason}"
CLI_WAITING_FOR = "    居民已等待 {minutes} 分钟"
CLI_MESSAGE = "    {at} {author}：{text}"
CLI_ATTACHMENTS = "[附件 {count} 个]"
CLI_ANSWERED = "已回复 #{id}，消息将通过居民的渠道（{channel}）送达。"
CLI_CLOSED = "已结束 #{id}，会话交还机器人小助手。"
CLI_NOT_FOUND = "没有编号为 {id} 的人工服务记录"
CLI_NOT_OPEN = "人工服务 #{id} 已经结束（{status}），不能再回复或结束"
CLI_EMPTY_ANSWER = "回复内容不能为空"
