"""Every word the web channel itself shows or answers (the dialogue's words live in flows/;
answers to failures shared by all connectors live in :mod:`connectors.texts`)."""

ERRORS = {
    "bad_json": "请求格式有误：请求体不是合法的 UTF-8 JSON。",
    "bad_json_depth": "请求格式有误：JSON 嵌套层数过多，不像一条聊天消息。",
    "bad_request": "请求内容不完整或格式不对。",
    "bad_field": "请求字段 {field} 不对：{expected}",
    "unknown_upload": "请求字段 {field} 不对：附件地址不是已上传的文件，请先上传再发送。",
    "body_too_large": "请求体太大了（不能超过 {limit_kb} KB）。照片、视频请先通过上传接口上传。",
    "message_too_long": "消息太长了，请分几条发送（每条不超过 {limit} 字）。",
    "too_large": "文件太大了，请上传不超过 {limit_mb} MB 的照片、视频或语音。",
    "unsupported_media": "只能上传照片（JPG/PNG/GIF/WEBP）、视频（MP4/WEBM）或语音（AMR/MP3/M4A/OGG/WAV/WEBM）。",
    "no_file": "没有收到文件，请重新选择后上传。",
    "not_found": "没有找到该文件。",
    "bad_session": "会话凭证无效（可能被改动过或已过期），请求被拒绝。请刷新页面后重试。",
    "session_required": "请先打开聊天页面（或调用 /webhooks/rest/session）获取会话凭证再发送。",
    "upload_quota": "您今天上传的文件已达上限（{limit} 个），请明天再上传，或直接用文字描述问题。",
    "not_ready": "服务正在启动，请稍后再试。",
}

# What each field of a REST body must be (said back when a client sends it wrong).
FIELD_RULES = {
    "body": "请求体必须是一个 JSON 对象，例如 {\"sender\": \"u1\", \"message\": \"你好\"}。",
    "sender": "必须是不超过 128 个字符、不含控制字符的字符串（或整数），标识发消息的居民。",
    "message": "必须是字符串，不能含 NUL 等无效字符；消息文字、附件、定位和门牌码（scene）至少要有一项。",
    "metadata": "必须是 JSON 对象。",
    "metadata.message_id": "必须是不超过 128 个字符的字符串（或整数）。",
    "metadata.chat_type": "只能是 \"private\"（私聊）或 \"group\"（群聊）。",
    "metadata.group_id": "必须是不超过 128 个字符的字符串；群聊消息（chat_type 为 group）必须带上。",
    "metadata.mentioned": "必须是 true 或 false。",
    "metadata.scene": "必须是不超过 128 个字符的字符串（门牌二维码里的楼栋编码）。",
    "metadata.phone": "必须是不超过 32 个字符的字符串。",
    "metadata.location": "必须是 {\"lat\": 纬度, \"lng\": 经度}，数值在有效范围内。",
    "metadata.attachments": (
        "必须是最多 9 项的列表，每项含 kind（image/video/voice/file）和 url"
        "（上传接口返回的 /uploads/… 地址，或 http(s) 地址），类型要和文件一致。"
    ),
    "after": "必须是 0 到 9223372036854775807 之间的整数。",
}

PAGE = {
    "title": "民生诉求 · 随手拍随手报",
    "title_short": "民生诉求",  # the header in elder mode: one short line beside the switch
    "subtitle": "有事您说话，事事有回音",
    # Short enough to show whole in a 360 px wide phone (the example is in the welcome).
    "placeholder": "说说遇到了什么问题",
    "placeholder_elder": "在这里打字",
    "send": "发送",
    "photo": "照片",
    "photo_title": "发照片或视频",
    "location": "位置",
    "location_title": "发送我现在的位置",
    "voice": "语音",
    "voice_title": "录一段语音",
    "voice_stop": "说完了，发送",
    "voice_cancel": "取消",
    "recording": "正在录音，说完点“说完了，发送”",
    "voice_unsupported": "这个浏览器不能录音。请直接打字，或者用微信发语音。",
    "voice_denied": "没有打开麦克风权限，不能录音。请直接打字告诉我。",
    "voice_too_short": "录音太短了，请再录一次。",
    "voice_sent": "语音",
    "location_sent": "我的位置",
    "locating": "正在获取您的位置…",
    "location_denied": "没能拿到您的位置（定位权限没有打开）。没关系，直接打字告诉我在哪里就行，例如：世纪路和柳泉路路口、锦园小区东门外。",
    "location_failed": "暂时没能获取到位置。没关系，直接打字告诉我在哪里就行，例如：某某路和某某路路口、某某小区东门。",
    "location_unsupported": "这个浏览器不能发送定位。直接打字告诉我在哪里就行，例如：某某路和某某路路口、某某小区东门。",
    "uploading": "正在上传…",
    "upload_failed": "上传失败：",
    "upload_too_large": "文件太大了，请发不超过 {limit_mb} MB 的照片、视频或语音。",
    "upload_network_error": "网络不太好，文件没有传上去，请再试一次。",
    "network_error": "网络不太好，消息没有发出去，请重试。",
    "you": "我",
    "bot": "社区小助手",
    "call": "一键拨打",
    "elder_on": "长辈模式",
    "elder_off": "退出长辈模式",
    "welcome": "您好，我是社区小助手。遇到噪音、垃圾、路灯、漏水、停车等问题，直接告诉我发生了什么、在哪里，例如“锦园小区2号楼楼道灯坏了”，我来帮您登记并跟踪办理。也可以问我“我的工单怎么样了”。",
    "welcome_elder": "您好！有什么事，直接打字，或点“语音”说给我听。我帮您登记，办好了告诉您。",
}
