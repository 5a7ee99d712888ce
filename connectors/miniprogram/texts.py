"""Every word the mini-program shows from the API (error messages, the confirm prompt)."""

ERRORS = {
    "unauthorized": "登录已失效，请重新进入小程序。",
    "bad_code": "微信登录失败，请重新进入小程序。",
    "wechat_unavailable": "微信服务暂时不可用，请稍后再试。",
    "bad_json": "请求内容不是有效的 JSON。",
    "not_multipart": "请用表单（multipart/form-data）提交诉求。",
    "bad_multipart": "表单格式不对，请重新提交。",
    "missing_text": "请写一写遇到了什么问题。",
    "text_too_long": "问题描述太长了，请控制在 1000 字以内。",
    "missing_request_id": "缺少 client_request_id（每次提交一个新的随机编号）。",
    "bad_request_id": "client_request_id 只能是 8 到 64 位字母、数字、下划线或横线。",
    "missing_address": "请选择楼栋，或写明地址（小区、楼号）。",
    "unknown_address": "没有找到这个楼栋编码，请重新扫码或选择。",
    "ambiguous_address": "地址不够具体，请从候选中选择楼栋。",
    "unknown_category": "请从候选中选择诉求类别。",
    "bad_field": "字段 {field} 不对。",
    "too_many_files": "附件太多了：最多 9 张照片、1 段视频、1 段语音。",
    "file_too_large": "文件太大了，单个文件不能超过 {limit} MB。",
    "wrong_type": "{field} 的文件类型不对（照片请传 JPG/PNG，视频传 MP4，语音传 AMR/MP3/M4A）。",
    "empty_file": "上传的文件是空的。",
    "bad_rating": "评价请给 1 到 5 分。",
    "not_rateable": "工单办结后才能评价。",
    "not_urgeable": "这张工单已经办结或关闭，不能催办了。",
    "not_found": "没有找到这张工单。",
    "unknown_building": "没有找到这个楼栋。",
    "rate_limited": "操作太频繁了，请 {retry_after} 秒后再试。",
}

CONFIRM = "请确认：{category}｜{address}。确认无误后提交。"
URGED = "已催办，办理人员会尽快处理。"
URGED_RECENTLY = "已记录您的催办，办理人员刚收到过提醒，会尽快处理。"
