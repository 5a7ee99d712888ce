"""Every word a staff member reads in the console and the ``minsheng staff`` command.

Identifiers stay English; the sentences are Simplified Chinese and live only here.
"""

from __future__ import annotations

ROLE_LABELS: dict[str, str] = {
    "grid_worker": "网格员",
    "secretary": "社区书记",
    "street_staff": "街道工作人员",
    "district_staff": "区级工作人员",
    "department_handler": "部门承办人",
    "admin": "系统管理员",
}

LEVEL_LABELS: dict[str, str] = {
    "grid": "网格",
    "community": "社区",
    "street": "街道",
    "district": "区",
    "department": "部门",
}

# Login and sessions.
WRONG_CREDENTIALS = "用户名或密码不正确，请重新输入。"
LOCKED = "登录失败次数过多，请于 {until} 后再试（约 {minutes} 分钟）。"
ACCOUNT_DISABLED = "该账号已停用，请联系系统管理员。"
LOGIN_REQUIRED = "请先登录工作台。"
SESSION_EXPIRED = "登录已过期，请重新登录。"
FORBIDDEN_ROLE = "您的账号没有权限进行此操作。"
CSRF_REFUSED = "页面已失效或请求来源不明，请刷新页面后重试。"
BAD_FORM = "请填写用户名和密码。"
LOGGED_OUT = "您已退出登录。"
LOGGED_OUT_ALL = "已在所有设备上退出登录。"
PASSWORD_TOO_SHORT = "密码至少需要 {min} 个字符。"
OLD_PASSWORD_WRONG = "原密码不正确。"
PASSWORD_CHANGED = "密码已修改，其他设备上的登录已失效。"

# Login page.
PAGE = {
    "title": "民生诉求工作台 · 登录",
    "heading": "民生诉求工作台",
    "subtitle": "网格员、社区书记及各级工作人员登录",
    "username": "用户名",
    "password": "密码",
    "submit": "登录",
    "footer": "仅限工作人员使用。请勿在公共设备上保存密码。",
    "logged_in_as": "已登录：{name}（{role}）",
    "logout": "退出登录",
    "logout_all": "在所有设备上退出",
}

# Scopes (how a scope reads in the console and the CLI).
SCOPE_TEXT = "{level}：{code}"
SCOPE_ALL = "全部"

# CLI.
CLI_BAD_SCOPE = "范围格式应为 级别:编码，例如 community:370303001001；级别可选：{levels}"
CLI_ROLE_LEVEL = "角色“{role}”只能绑定到以下级别：{levels}"
CLI_USERNAME_TAKEN = "用户名“{username}”已存在。"
CLI_NO_SUCH_USER = "没有用户名为“{username}”的账号。"
CLI_PASSWORD_PROMPT = "请输入密码："
CLI_PASSWORD_REPEAT = "请再次输入密码："
CLI_PASSWORD_MISMATCH = "两次输入的密码不一致。"
CLI_ADDED = "已创建账号 {username}（{role}，{scope}）。"
CLI_DISABLED = "已停用账号 {username}，其所有登录已失效。"
CLI_LOGGED_OUT_ALL = "已让账号 {username} 在所有设备上退出登录。"
CLI_LIST_HEADER = "用户名\t姓名\t角色\t范围\t关联人员\t状态"
CLI_LIST_LINE = "{username}\t{name}\t{role}\t{scope}\t{person}\t{state}"
CLI_ACTIVE = {True: "启用", False: "停用"}
CLI_NONE = "（无）"
CLI_EMPTY = "还没有工作人员账号。用 minsheng staff add 创建。"
CLI_BAD_USERNAME = "用户名“{username}”不合规：请用 2–64 个小写字母、数字或 _ . -，以字母或数字开头。"
