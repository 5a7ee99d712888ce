"""The dashboard's words (智慧驾驶舱), in Simplified Chinese."""

from __future__ import annotations

from typing import Final

PAGE: Final[dict[str, str]] = {
    "title": "民声驾驶舱",
    "heading": "智慧驾驶舱",
    "scope": "范围",
    "window": "统计区间",
    "days_label": "最近 {days} 天",
    "export": "导出 CSV",
    "loading": "正在加载……",
    "no_script": "本页的图表需要启用 JavaScript。",
    "total": "诉求总数",
    "done_rate": "办结率",
    "on_time_rate": "按时办结率",
    "satisfaction_rate": "满意率",
    "open_now": "在办",
    "red_now": "红色高频事件",
    "by_day": "每日诉求量",
    "by_status": "按状态",
    "by_category": "按类别（前 10）",
    "by_source": "按来源",
    "source": "来源",
    "count": "件数",
    "share": "占比",
    "source_none": "统计区间内没有诉求",
    "tiers": "分级办结占比（目标 60/30/10）",
    "tiers_actual": "实际",
    "tiers_target": "目标",
    "heat": "网格诉求热力图",
    "hot": "热点事件",
    "hot_none": "暂无进行中的热点事件",
    "self_compare": "自比：本月与前六个月月均",
    "this_month": "本月",
    "avg_6m": "六个月月均",
    "projected": "本月预计",
    "rank_streets": "他比：街道排名",
    "rank_communities": "他比：社区排名",
    "rank": "名次",
    "name": "名称",
    "score": "综合得分",
    "reporters": "反映人数",
    "category": "类别",
    "place": "地点",
    "urgency": "等级",
    "since": "开始于",
    "lng": "经度",
    "lat": "纬度",
}

#: CSV column headings of the ticket export.
CSV_HEADER: Final = (
    "工单编号", "类别", "领域", "状态", "紧急程度", "街道", "社区", "网格", "受理时间",
    "办理时限", "办结时间", "办结层级", "是否按时", "评价", "热点事件", "来源",
)
CSV_YES: Final = "是"
CSV_NO: Final = "否"
CSV_FILENAME: Final = "dashboard-{stamp}.csv"

UNKNOWN: Final = "未知"
NO_GRID: Final = "（无网格）"

CLI_DEMO_HELP: Final = "演示数据 (demo data)"
CLI_HISTORY_HELP: Final = "生成六个月的演示工单，供驾驶舱展示 (six months of demo tickets)"
CLI_FORCE_HELP: Final = "删除已有的演示工单后重新生成"
CLI_NO_BUILDINGS: Final = "地址库为空：请先启动一次服务或导入地址 (no buildings in the registry)"
CLI_HISTORY_EXISTS: Final = (
    "已有 {count} 条演示工单；如需重新生成，请加 --force (history exists; use --force)"
)
CLI_HISTORY_DONE: Final = (
    "已生成 {tickets} 条演示工单、{incidents} 个热点事件（{start} 至 {end}），"
    "删除旧演示工单 {removed} 条"
)
