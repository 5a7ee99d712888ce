"""Every word the WeChat connector itself says (the dialogue's words live in flows/)."""

#: Answer to a subscription without a building's QR code.
WELCOME = (
    "您好，欢迎关注！我是社区小助手。遇到噪音、垃圾、路灯、漏水、停车等问题，"
    "直接告诉我发生了什么、在哪里，也可以发照片、语音或位置，我来帮您登记并跟踪办理。"
    "点菜单“我的工单”可查看办理进度。"
)

#: What a menu click stands for: the resident's own words for the same wish.
MENU_WORDS = {
    "REPORT": "我要反映问题",
    "MY_TICKETS": "我的工单怎么样了",
    "CONTACT": "我要找社区工作人员",
}

#: The menu ``minsheng wechat menu`` installs (button name, key of MENU_WORDS).
MENU = (("报事", "REPORT"), ("我的工单", "MY_TICKETS"), ("联系社区", "CONTACT"))

#: A link a resident shared (title, description, url).
LINK = "{title}\n{description}\n{url}"

#: Media that could not be kept (too big, unknown type, or WeChat refused it).
MEDIA_REFUSED = "抱歉，您发的{kind}没能保存（{reason}），可以换一张或用文字描述。"
MEDIA_KINDS = {"image": "照片", "voice": "语音", "video": "视频"}
MEDIA_REASONS = {
    "too_large": "文件太大",
    "unsupported": "格式不支持",
    "unavailable": "微信暂时取不到文件",
}

#: Template message outside the 48-hour window (status pushes).
TEMPLATE_FIRST = "您反映的问题有新进展"
TEMPLATE_REMARK_LIMIT = 180

#: HTTP answers to requests that are not from WeChat or not well-formed.
ERRORS = {
    "bad_signature": "签名校验失败，请求被拒绝（不是来自微信服务器，或 Token 配置不一致）。",
    "bad_xml": "请求格式有误：消息体不是合法的微信 XML。",
    "forbidden_xml": "请求格式有误：XML 不得包含 DTD 或实体声明。",
    "body_too_large": "请求体太大了（不能超过 {limit_kb} KB），不像一条微信消息。",
    "no_aes_key": "收到安全模式（加密）消息，但没有配置 MINSHENG_WECHAT_AES_KEY。",
    "bad_encryption": "安全模式消息解密失败（EncodingAESKey 或 AppID 不一致）。",
    "missing_params": "缺少签名参数（signature、timestamp、nonce）。",
}

#: Group announcements (the group robot): what kind of announcement, then the words.
ANNOUNCEMENT = "【{title}】\n{text}"
ANNOUNCEMENT_TITLE = "社区通知"

#: Posted to a grid's group when a high-frequency incident there is resolved.
INCIDENT_RESOLVED_TITLE = "问题已解决"
INCIDENT_RESOLVED = "{place}“{title}”的问题已经处理完毕，感谢大家的反映和耐心。如仍有问题，请私信公众号继续反映。"

#: The command line's words (operators read them).
CLI = {
    "menu_done": "菜单已创建：{names}",
    "qrcode_done": "已为 {community}（{code}）生成 {count} 个永久带参二维码，写入 {out}/（index.csv 和每栋楼一个 SVG）",
    "no_buildings": "社区 {code} 在地址库里没有楼栋",
    "announce_queued": "通知已进入发送队列（网格 {grid}），网关运行时会推送到网格群",
    "no_robot": "网格 {grid} 没有配置群机器人（MINSHENG_WECHAT_GROUP_WEBHOOKS）",
    "not_configured": "没有配置微信公众号：请设置 MINSHENG_WECHAT_TOKEN、MINSHENG_WECHAT_APP_ID 和 MINSHENG_WECHAT_APP_SECRET",
    "api_failed": "微信接口调用失败：{error}",
}
