"""Words every connector answers with when a request fails (shown to residents and
client developers; platform-specific words stay in each connector's own texts module)."""

ERRORS = {
    "bad_input": "请求内容不完整或格式不对。",
    "bad_signature": "签名校验失败，请求被拒绝。",
    "rate_limited": "请求太频繁了，请 {retry_after:g} 秒后再试。",
    "not_found": "没有找到您要的内容。",
    "conflict": "这项操作现在不能进行，请刷新后再试。",
    "unknown_address": "没有找到这个地址编码。",
    "busy": "系统正忙，请稍后再试。",
    "unavailable": "服务暂时不可用，请稍后再试。",
    "temporarily_unavailable": "系统正在恢复，您这条消息还没有处理，请过几秒钟再发一次。"
    "已经提交成功的诉求不受影响。",
    "internal_error": "抱歉，系统出了点问题，这条消息没有处理成功，请稍后再发一次。",
}
