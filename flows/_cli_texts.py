"""Every word ``minsheng flows ...`` prints for a trainer (Simplified Chinese, one place)."""

from __future__ import annotations

CHECK_OK = (
    "流程检查通过：{flows} 个流程、{steps} 个步骤；话术 {responses} 条、按钮 {buttons} 个；"
    "咨询知识 {entries} 条。"
)
CHECK_FAILED = "流程检查未通过：{problem}"
UNKNOWN_FLOW = "没有名为 {name} 的流程。现有流程：{names}"
FLOW_HEADER = "流程 {name}（{description}）  文件 {file}:{line}"
FLOW_TRIGGERS = "  触发意图：{intents}"
STEP_LINE = "  {number:>2}. [{kind}] {id}{detail}"
KINDS = {
    "CollectStep": "询问",
    "ActionStep": "动作",
    "SayStep": "回复",
    "SetStep": "设置",
    "BranchStep": "分支",
    "SwitchStep": "转到",
    "EndStep": "结束",
}
DETAIL_ASK = " → 问：{text}"
DETAIL_ACTION = " → {name}"
DETAIL_SAY = " → 说：{text}"
DETAIL_SWITCH = " → 流程 {flow}"
DETAIL_WHEN = "  （仅当 {condition}）"
NONE = "无"
