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

# --- orders (``POST /intake/v1/orders`` and ``minsheng intake import``) -------------------

#: Why one order was not taken (per order in the API's answer, per line in the import).
ORDER_ERRORS: dict[str, str] = {
    "not_an_object": "每条工单应为一个 JSON 对象",
    "missing_source_number": "缺少工单编号",
    "source_number_too_long": "工单编号过长（最多 64 个字符）",
    "missing_text": "缺少诉求内容",
    "missing_address": "缺少事发地址",
    "bad_time": "受理时间无法识别：{value}（应为 2026-11-30 09:15 这样的格式）",
    "bad_phone": "联系电话无法识别：{value}",
    "bad_field": "字段 {field} 应为文字",
    "address_unresolved": "无法将地址“{address}”对应到标准地址或地点，请写明街道、社区、小区和楼号，或道路与路口",
    "address_ambiguous": "地址“{address}”有多个同名小区（{choices}），请写明所属社区",
    "category_unknown": "无法判断诉求类别，请提供诉求类型",
    "not_filed": "工单未能登记：{reason}",
}

#: Errors of the whole request (``{"error": {...}}``).
REQUEST_ERRORS: dict[str, str] = {
    "bad_json": "请求体不是有效的 JSON：{detail}",
    "bad_shape": "请求体应为一条工单（JSON 对象）或 {{\"orders\": [...]}}",
    "too_many": "一次最多提交 {limit} 条工单，本次 {count} 条",
    "too_large": "请求体过大（最多 {limit} 字节）",
    "empty": "没有工单",
}

#: The ``filed`` event's note on a ticket from an order, for the staff who handle it.
FILED_NOTE = "{label}工单 {number}｜受理时间 {time}｜来电人 {caller}"
NO_TIME = "未提供"
NO_CALLER = "未留姓名"

# --- import (``minsheng intake import FILE --source NAME``) --------------------------------

IMPORT_UNKNOWN_SOURCE = "没有名为 {name} 的来源：先运行 minsheng intake source add {name}"
IMPORT_WRONG_KIND = "来源 {name} 是{kind}来源，不能导入工单"
IMPORT_BAD_FILE = "无法读取 {path}：{reason}"
IMPORT_NO_HEADER = "第 {line} 行：找不到表头（需要工单编号、诉求内容和事发地址等列），已有列：{columns}"
IMPORT_BAD_ROW = "第 {line} 行：{reason}"
IMPORT_SUMMARY = "新登记 {new} 条，重复 {duplicates} 条，有误 {bad} 条（共 {total} 行）"
IMPORT_DRY_RUN = "（试运行：未写入任何工单）"
IMPORT_UNSUPPORTED = "不支持的文件类型 {suffix}：请使用 .csv 或 .xlsx"
