"""Every word the web channel itself shows or answers (the dialogue's words live in flows/)."""

ERRORS = {
    "bad_json": "请求格式有误(不是合法的 JSON)。",
    "bad_request": "请求内容不完整或格式不对。",
    "message_too_long": "消息太长了,请分几条发送(每条不超过 {limit} 字)。",
    "too_large": "文件太大了,请上传不超过 {limit_mb} MB 的照片、视频或语音。",
    "unsupported_media": "只能上传照片(JPG/PNG/GIF/WEBP)、视频(MP4/WEBM)或语音(AMR/MP3/M4A/OGG/WAV)。",
    "no_file": "没有收到文件,请重新选择后上传。",
    "busy": "系统正忙,请稍后再试。",
    "not_found": "没有找到该文件。",
}

PAGE = {
    "title": "民生诉求 · 随手拍随手报",
    "subtitle": "有事您说话,事事有回音",
    "placeholder": "请描述您遇到的问题,例如:锦园小区2号楼楼道灯坏了",
    "send": "发送",
    "photo": "上传照片/视频",
    "uploading": "正在上传…",
    "upload_failed": "上传失败:",
    "network_error": "网络不太好,消息没有发出去,请重试。",
    "you": "我",
    "bot": "社区小助手",
    "call": "一键拨打",
    "welcome": "您好,我是社区小助手。遇到噪音、垃圾、路灯、漏水、停车等问题,直接告诉我发生了什么、在哪里,我来帮您登记并跟踪办理。也可以问我“我的工单怎么样了”。",
}
