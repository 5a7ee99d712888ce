"""Every word a grid worker or secretary reads in WeCom (企业微信), in one place."""

HELP = (
    "可用指令（工单号如 20261121-0042）：\n"
    "接单 工单号\n"
    "处理 工单号\n"
    "回复 工单号 内容\n"
    "追问 工单号 问题\n"
    "办结 工单号 办理结果\n"
    "退回 工单号 理由\n"
    "提级 工单号 理由\n"
    "查看 工单号\n"
    "转人工（查看等待人工的居民）\n"
    "接待 编号 内容（回复等待人工的居民）\n"
    "结束 编号（结束人工接待）"
)

UNKNOWN_COMMAND = "没有看懂这条指令。" + "\n" + HELP
MISSING_NUMBER = "请在“{verb}”后写上工单号，例如：{verb} 20261121-0042"
MISSING_TEXT = "请在编号后写上{what}，例如：{verb} {target} {example}"
MISSING_HANDOFF = "请写上等待人工的编号，例如：{verb} 12"
NOT_BOUND = (
    "您的企业微信账号还没有绑定工作人员账号，暂时不能办理工单。"
    "请联系管理员绑定（minsheng addresses bind-channel 人员编码 wecom 企业微信账号）。"
)
NOT_FOUND = "没有找到工单 {number}，或它不在您的管辖范围内。"
HANDOFF_NOT_FOUND = "没有找到等待人工的编号 {id}，或它不在您的管辖范围内。"
INVALID = "工单 {number} 现在是“{status}”，不能{verb}。"
INVALID_HANDOFF = "编号 {id} 的人工接待已经结束。"
BAD_INPUT = "没有办成：{reason}"
FAILED = "系统出了点问题，这条指令没有办成，请稍后再试，或到工作台办理：{link}"

DONE = {
    "claim": "已接单：{number}（{status}），居民会收到通知。",
    "start": "已开始处理：{number}（{status}），居民会收到通知。",
    "reply": "已回复居民：{number}。",
    "ask": "已向居民追问：{number}，居民的补充会转给您。",
    "resolve": "已办结：{number}，居民会收到通知并评价。",
    "reject": "已退回：{number}，居民会收到说明。",
    "escalate": "已提级：{number}，现由{unit}办理。",
}

WHAT = {
    "reply": ("回复内容", "已联系物业，明天上午维修"),
    "ask": ("要问居民的问题", "请问是几单元？"),
    "reject": ("退回理由", "不属于受理范围"),
    "escalate": ("提级理由", "需要街道协调"),
    "answer": ("回复内容", "您好，我是网格员"),
}

DETAIL = (
    "工单 {number}｜{status}\n"
    "{category}｜{address}\n"
    "{description}\n"
    "办理单位：{unit}｜时限：{deadline}{overdue}"
)
OVERDUE_MARK = "（已超期）"
CONSOLE_LINK = "工作台：{link}"

HANDOFF_NONE = "现在没有等待人工的居民。"
HANDOFF_LINE = "编号 {id}｜{since}起等待｜{last}"
HANDOFF_HEADER = "等待人工的居民（回复“接待 编号 内容”）："
HANDOFF_NO_WORDS = "（居民还没有留言）"
HANDOFF_ANSWERED = "已回复居民（编号 {id}）。"
HANDOFF_CLOSED = "已结束人工接待（编号 {id}），居民回到智能助手。"

BAD_INPUT_REASONS = {
    "missing_text": "内容不能为空",
    "text_too_long": "内容太长了，最多 500 字",
}
BAD_INPUT_DEFAULT = "内容不符合要求"

VERB_LABELS = {
    "claim": "接单", "start": "开始处理", "reply": "回复", "ask": "追问",
    "resolve": "办结", "reject": "退回", "escalate": "提级",
}
