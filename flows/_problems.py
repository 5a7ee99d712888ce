"""Every problem a trainer may read about flow, responses and knowledge files, in one place.

Problems are raised as :class:`FlowError` with the file and line in front (``flows/x.yml:12:
...``); ``minsheng flows check`` prints them, and the gateway refuses to start with them.
"""

from __future__ import annotations

from bot.errors import FlowError

PROBLEMS: dict[str, str] = {
    # ------------------------------------------------------------------ YAML
    "duplicate_key": "第 {line} 行：键「{key}」重复",
    "cannot_read": "无法读取：{detail}",
    "yaml_syntax": "YAML 语法错误：{detail}",
    # ------------------------------------------------------------------ conditions
    "condition_unreadable": "无法理解条件「{source}」（从「{rest}」开始）",
    "condition_incomplete": "条件「{source}」不完整",
    "condition_unexpected": "条件「{source}」中多了「{token}」",
    "condition_parenthesis": "条件「{source}」缺少右括号「)」",
    "condition_misplaced": "条件「{source}」中「{token}」的位置不对",
    "condition_empty": "条件必须是非空的文字，现在是：{source}",
    # ------------------------------------------------------------------ flow files
    "file_shape": "流程文件只能有一个键 `flows`，下面是流程列表",
    "no_flow_files": "没有流程文件（*.yml）",
    "duplicate_flow": "流程「{name}」已经在 {other} 定义过",
    "flow_mapping": "`flows` 下的每一项必须是映射",
    "flow_keys": "流程中有未知的键：{keys}",
    "jumps_mapping": "`jumps:` 必须是“按钮键 → 步骤编号”的映射",
    "flow_name": "流程需要 `name`（字母、数字、下划线）",
    "flow_steps": "流程「{name}」需要非空的 `steps` 列表",
    "duplicate_step": "流程「{flow}」中步骤编号「{id}」重复，请给其中一个写 `id`",
    "in_flow": "流程「{flow}」：{problem}",
    "names_list": "{what} 必须是名称列表",
    "next_shape": "`next` 必须是步骤编号，或由 if/then 和 else 组成的列表",
    "arm_mapping": "`next` 的每一项必须是含 if/then 或 else 的映射",
    "else_alone": "else 分支只能有 else 一个键",
    "arm_keys": "分支需要 if 和 then（或者只写 else）",
    "else_last": "else 必须是最后一个分支",
    "choices_list": "`choices` 必须是选项列表，每项写 button、value、intents",
    "choice_button": "每个选项都需要 `button`（responses.yml 中 buttons: 下的键）",
    "choice_keys": "选项中有未知的键：{keys}",
    "step_mapping": "步骤必须是映射（或者单独写一个 end）",
    "step_kind": "每个步骤必须且只能含以下之一：{kinds}；现在是：{found}",
    "step_keys": "{kind} 步骤中有未知的键：{keys}",
    "step_id": "`id` 必须是文字",
    "slot_name": "`{kind}` 后面要写要收集的信息名",
    "needs_ask": "{kind} 步骤需要 `ask`（话术键）",
    "action_name": "`action` 后面要写已有的动作名",
    "say_key": "`say` 后面要写话术键",
    "set_mapping": "`set` 要写成“信息名: 值”的映射",
    "branch_next": "branch 步骤的分支写在 `branch` 下，不用 `next`",
    "switch_name": "`switch` 后面要写要转到的流程名",
    "unknown_response": "话术「{key}」不存在（请加到 {file}）",
    "placeholder_unfilled": "话术「{key}」用到了 {names}，但没有步骤填写它们",
    "condition_slots": "条件「{source}」用到了没有步骤填写的信息 {names}",
    "next_target": "`next` 指向不存在的步骤「{target}」",
    "unknown_expect": "未知的 `expect`「{expect}」；可用的有：{known}",
    "unknown_button": "按钮「{key}」在 {file} 中不存在",
    "choices_from": "`choices_from` 用到了没有步骤填写的信息「{slot}」",
    "unknown_action": "未知的动作「{action}」；可用的有：{known}",
    "unknown_switch": "`switch` 转到不存在的流程「{flow}」",
    "carry_slots": "`carry` 中有没有步骤填写的信息 {names}",
    "correction_slot": "`corrections` 中的「{slot}」没有对应的 collect 步骤",
    "no_flow_for": "没有流程处理「{trigger}」，也没有流程处理「nlu_fallback」",
    # ------------------------------------------------------------------ responses.yml
    "responses_shape": "需要一个包含 `responses:` 和 `buttons:` 的映射",
    "responses_sections": "未知的部分：{sections}",
    "responses_mapping": "`responses:` 必须是“话术键 → 说法列表”的映射",
    "words_mapping": "`words:` 必须是“名称 → 词语列表”的映射",
    "words_list": "words 里的 {key} 必须是非空词语的列表",
    "key_not_word": "键 {key} 必须是一个词；yes、no、on、off 这类词请加引号",
    "response_empty": "话术「{key}」至少需要一种说法",
    "response_variant": "话术「{key}」有空的或不是文字的说法（含“冒号+空格”的句子请加引号）",
    "response_placeholder": "话术「{key}」的 {{占位符}} 写错了：{detail}",
    "responses_missing": "缺少话术：{keys}",
    "buttons_mapping": "`buttons:` 必须是“按钮键 → 标题”的映射",
    "button_title": "按钮「{key}」需要 `title`",
    "button_also": "按钮「{key}」的 `also` 必须是文字列表",
    # ------------------------------------------------------------------ knowledge.yml
    "knowledge_shape": "需要 `version: 1` 和 `entries:`",
    "knowledge_entries": "`entries:` 必须是非空列表",
    "knowledge_entry": "每一条必须是映射",
    "knowledge_keys": "未知的键：{keys}",
    "knowledge_texts": "{what} 必须是非空文字的列表",
    "knowledge_id": "每一条都需要 `id`",
    "knowledge_duplicate": "编号「{id}」重复",
    "knowledge_answer": "「{id}」需要 `title` 和 `answer`",
    "knowledge_match": "「{id}」需要 `keywords` 或 `questions`",
}


def problem(code: str, where: str = "", **params: object) -> FlowError:
    """A :class:`FlowError` with the Chinese text of ``code``, prefixed by ``where``."""
    text = PROBLEMS[code].format(**params)
    return FlowError(f"{where}: {text}" if where else text, code=code)
