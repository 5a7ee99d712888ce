"""Every word staff or a sensor network's maintainers read from sensor alarms."""

from __future__ import annotations

#: Per-reading and whole-request errors of POST /intake/v1/alarms.
ERRORS: dict[str, str] = {
    "bad_json": "请求体不是合法的 JSON",
    "bad_body": '请求体应为一条读数（JSON 对象）或 {"readings": [...]}',
    "too_many_readings": "一次最多上报 {limit} 条读数，请分批上报",
    "no_readings": "没有读数：readings 为空",
    "not_object": "读数应为 JSON 对象",
    "missing_device_id": "缺少设备编号 device_id",
    "bad_device_id": "设备编号 device_id 应为 1-64 个字符的字符串",
    "unknown_device": "设备 {device_id} 未在本来源登记或已停用，请先登记设备",
    "missing_time": "缺少读数时间 time",
    "bad_time": "读数时间 time 应为带时区的 ISO 8601 时间，例如 2026-12-01T19:30:00+08:00",
    "no_zone": "读数时间 time 缺少时区，例如 +08:00 或 Z",
    "future_time": "读数时间 time 晚于当前时间，请检查设备时钟",
    "missing_value": "缺少读数值 value",
    "bad_value": "读数值 value 应为数字（不能是字符串、布尔值或空）",
    "not_finite": "读数值 value 应为有限数字（不能是 NaN 或无穷大）",
    "bad_unit": "单位 unit 应为不超过 16 个字符的字符串",
    "wrong_unit": "单位 {unit} 与该类设备规定的单位 {expected} 不符",
    "bad_reading_id": "读数编号 reading_id 应为 1-64 个字符的字符串",
    "no_rule": "没有 {kind} 类设备的告警规则",
}

KIND_NAMES: dict[str, str] = {
    "fume": "油烟", "noise": "噪声", "water_level": "水位", "smoke": "烟感",
}  # fmt: skip

#: Ticket texts (staff read them in the console and in their notices).
ACTOR = "设备告警"
CASE_DESCRIPTION = (
    "{rule_name}{label}（设备编号 {device_id}，位于{place}）在 {minutes} 分钟内 {count} 次"
    "{direction}阈值 {threshold} {unit}：{readings}。由设备告警自动立案（案件 {case_id}），"
    "读数持续正常 {clear} 分钟后自动办结。"
)
DIRECTION = {"above": "超过", "below": "低于"}
READING = "{time} {value:g}"
READINGS_MORE = "等 {count} 条"
PROGRESS_NOTE = (
    "设备仍在超标：案件 {case_id} 累计 {count} 次超标，最近一次 {time}，读数 {value:g} {unit}。"
)
RESOLVED_NOTE = (
    "设备读数已连续 {minutes} 分钟正常（最后一次超标 {last}，最近读数 {latest}），系统自动办结。"
    "案件 {case_id} 共 {count} 次超标。"
)
SILENT_NOTE = "设备已 {minutes} 分钟没有上报读数（最近一次 {last}），案件 {case_id} 保持未结，请到现场核实设备和排放情况。"

#: Device registration (minsheng intake device ...).
DEVICE_ERRORS: dict[str, str] = {
    "bad_kind": "设备类型应为 fume（油烟）、noise（噪声）、water_level（水位）或 smoke（烟感）",
    "bad_device_id": "设备编号应为 1-64 个字符，不含空白",
    "no_place": "设备要么绑定楼栋（标准地址编码），要么给出地点名称和经纬度",
    "both_places": "设备只能绑定楼栋或地点之一，不能两者都给",
    "bad_point": "经纬度应为有限数字（纬度 -90~90，经度 -180~180）",
    "unknown_building": "标准地址编码 {code} 不在地址库中",
    "outside_area": "该经纬度不在任何网格范围内",
    "unknown_source": "来源 {source} 未登记，或不是设备告警类来源",
    "bad_file": "无法读取设备文件：{reason}",
    "bad_columns": "设备文件缺少列：{columns}",
}
CLI_DEVICE_ADDED = "已登记设备 {device_id}（{kind}，{place}），来源 {source}"
CLI_DEVICE_LINE = "{device_id}\t{kind}\t{place}\t{label}\t{state}"
CLI_STATE = {True: "启用", False: "停用"}
CLI_NO_DEVICES = (
    "来源 {source} 还没有登记设备：minsheng intake device add {source} 设备编号 --kind fume ..."
)
CLI_IMPORTED = "已导入 {count} 台设备（新增 {added}，更新 {updated}），来源 {source}"
CLI_BAD_ROW = "第 {line} 行：{reason}"
CLI_IMPORT_REFUSED = "有 {count} 行有误，本次未导入任何设备"
CLI_DISABLED = "设备 {device_id} 已停用，其读数将被拒收"
CLI_RULE_LINE = (
    "{kind}\t{name}：{minutes} 分钟内 {times} 次{direction} {threshold} {unit} 立案，"
    "正常 {clear} 分钟结案，事项 {category}"
)
