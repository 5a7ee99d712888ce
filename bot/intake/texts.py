"""Every word an operator or a partner system's staff reads from intake, in one place."""

from __future__ import annotations

#: JSON errors of the intake API (``{"error": {"code": ..., "message": ...}}``).
ERRORS: dict[str, str] = {
    "missing_api_key": "缺少 API 密钥：请在请求头 Authorization: Bearer <密钥> 中提供",
    "bad_api_key": "API 密钥无效或该来源已停用",
    "wrong_kind": "该来源的密钥不能用于此接口",
}

KIND_LABELS: dict[str, str] = {"orders": "工单", "alarms": "设备告警"}

CLI_SOURCE_ADDED = (
    "已登记来源 {name}（{label}，{kind}）。API 密钥只显示这一次，请妥善转交对方系统：\n{key}"
)
CLI_SOURCE_ROTATED = "来源 {name} 的新 API 密钥（旧密钥已失效），只显示这一次：\n{key}"
CLI_CALLBACK_SECRET = "回调签名密钥（X-Minsheng-Signature: HMAC-SHA256）：{secret}"
CLI_SOURCE_LINE = "{name}\t{label}\t{kind}\t{state}\t{callback}"
CLI_STATE = {True: "启用", False: "停用"}
CLI_NO_CALLBACK = "（无回调）"
CLI_NO_SOURCES = "还没有登记任何来源：minsheng intake source add NAME --label 名称"
CLI_DISABLED = "来源 {name} 已停用，其密钥不再被接受"
