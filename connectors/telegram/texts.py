"""Every word the Telegram connector itself says (the dialogue's words live in flows/)."""

#: Answer to ``/start`` without a building code, and to ``/help``.
WELCOME = (
    "您好！我是社区小助手。遇到噪音、垃圾、路灯、漏水、停车等问题，"
    "直接告诉我发生了什么、在哪里，也可以发照片、视频、语音或位置，我来帮您登记并跟踪办理。"
    "问“我的工单怎么样了”可查看办理进度。"
)

#: The reply-keyboard buttons that share the phone number or the location.
SHARE_PHONE = "📱 发送我的手机号"
SHARE_LOCATION = "📍 发送当前位置"

#: Media that could not be kept (too big, unknown type, or Telegram did not give it).
MEDIA_REFUSED = "抱歉，您发的{kind}没能保存（{reason}），可以换一个文件或用文字描述。"
MEDIA_KINDS = {"image": "照片", "voice": "语音", "video": "视频", "file": "文件"}
MEDIA_REASONS = {
    "too_large": "文件太大",
    "unsupported": "格式不支持",
    "unavailable": "暂时取不到文件",
}

#: A contact card that is not the sender's own: we do not file other people's numbers.
NOT_YOUR_CONTACT = "请点下方“发送我的手机号”按钮分享您本人的号码，或直接输入手机号。"

#: HTTP answers to requests that are not from Telegram or not well-formed.
ERRORS = {
    "bad_secret": "密钥校验失败，请求被拒绝（不是来自 Telegram，或 MINSHENG_TELEGRAM_SECRET 不一致）。",
    "bad_json": "请求格式有误：消息体不是合法的 Telegram Update JSON。",
    "body_too_large": "请求体太大了（不能超过 {limit_kb} KB），不像一条 Telegram 更新。",
}

#: The command line's words (operators read them).
CLI = {
    "not_configured": "没有配置 Telegram 机器人：请设置 MINSHENG_TELEGRAM_TOKEN 和 MINSHENG_TELEGRAM_SECRET",
    "webhook_set": "Webhook 已设置：{url}（带密钥校验）",
    "api_failed": "Telegram 接口调用失败：{error}",
    "polling": "minsheng: Telegram 长轮询已开启（不需要公网地址），网关启动于 http://{host}:{port}/",
}
