"""Every word a trainer (训练员) reads from the NLU tools, in one place.

Log lines stay in English; these are what ``minsheng nlu ...`` prints and what the
``/model/parse`` API answers in its error messages.
"""

from __future__ import annotations

# --------------------------------------------------------------------- data problems
# Keyed by DataProblem.code; formatted with the problem's params.
PROBLEMS: dict[str, str] = {
    "missing": "文件或目录不存在",
    "io": "无法读取文件:{detail}",
    "syntax": "YAML/JSON 语法错误:{detail}",
    "not_mapping": "文件顶层必须是映射,并包含 `nlu:` 键",
    "nlu_not_list": "`nlu:` 下必须是列表",
    "item_not_mapping": "`nlu:` 下的每一项都必须是映射",
    "item_kind": "每一项必须且只能含 intent、synonym、regex、lookup 其中之一",
    "empty_name": "`{kind}:` 的名称不能为空",
    "unknown_keys": "已忽略未知的键:{keys}",
    "no_examples": "{kind}「{name}」缺少 `examples:`",
    "annotation": "实体标注无效:{detail}",
    "annotation_key": '实体标注缺少 "entity" 键:{detail}',
    "empty_example": "意图「{name}」中有空例句",
    "regex": "正则「{name}」无法编译:{detail}",
    "bad_line": "已忽略不以「- 」开头的行:{line}",
    "bad_example": "例句必须是字符串或 {{text: ...}} 映射",
    "examples_type": "`examples:` 必须是「|」文本块或列表",
    "json_not_mapping": "`rasa_nlu_data` 必须是映射",
    "json_example": "例句需要 `text` 和 `intent`",
    # domain files and the spreadsheet (CSV) form of the data
    "domain_responses": "`responses:` 必须是映射(回复名 → 变体列表)",
    "domain_variation": "回复必须是非空的变体列表,每个变体是映射(text、buttons、image、custom ...)",
    "domain_button": "按钮必须是含 `title`(和 `payload`)的映射",
    "csv_encoding": "无法识别文件编码(支持 UTF-8 与 Excel 的 GB18030)",
    "csv_header": "第一行必须是表头 text,intent(可另有其他列),实际为:{header}",
    "csv_row": "第 {line} 行:{detail}",
    # validation
    "no_data": "没有找到任何训练例句",
    "one_intent": "只有一个意图「{name}」,至少需要两个意图才能训练分类器",
    "duplicate": "意图「{intent}」中例句重复 {count} 次:{text}",
    "conflict": "同一例句出现在多个意图中({intents}):{text}",
    "too_few": "意图「{intent}」只有 {count} 条例句,建议至少 {minimum} 条",
    "unknown_entity": "实体「{entity}」未定义(不是内置实体,也没有同名的 regex/lookup 或领域文件声明),"
    "出现在:{text}",
    "bad_span": "实体标注越界:{text}",
    "synonym_conflict": "同义词「{variant}」同时映射到「{first}」和「{second}」",
}

LEVELS = {"error": "错误", "warning": "警告"}

# --------------------------------------------------------------------- CLI
CLI_GROUP_HELP = "训练员工具:校验、训练、测试、解析、导出待标注消息"
CLI_VALIDATE_HELP = "校验训练数据(格式、重复、冲突、例句过少、未知实体)"
CLI_TRAIN_HELP = "训练 NLU 模型"
CLI_TEST_HELP = "在测试集上评估模型,或做交叉验证"
CLI_PARSE_HELP = "解析一句话,输出与 POST /model/parse 相同的 JSON"
CLI_REVIEW_HELP = "把低置信度/兜底的消息导出为 Rasa YAML 以便标注"
ARG_DATA = "训练数据文件或目录(可多次指定;默认 training_data/)"
ARG_TEST_DATA = "测试数据文件或目录(交叉验证时为训练数据,默认 training_data/)"
ARG_OUT_MODEL = "模型输出路径(.tar.gz 文件或目录;默认 var/models/nlu.tar.gz)"
ARG_MODEL = "模型路径(默认 var/models/nlu.tar.gz)"
ARG_OUT_DIR = "报告输出目录(默认 results/)"
ARG_MODEL_KIND = (
    "用哪种模型:auto 为按训练数据内部 3 折交叉验证自动挑选(默认);"
    "也可指定 {kinds} 之一,不再挑选"
)
ARG_TEST_FALLBACK = "按网关的兜底规则评估时用的兜底阈值(默认 {default},即网关当前设置)"
ARG_TEST_AMBIGUITY = "按网关的兜底规则评估时用的歧义阈值(默认 {default},即网关当前设置)"
ARG_FAIL_ON_WARNINGS = "有警告也以非零状态退出"
ARG_MIN_EXAMPLES = "每个意图建议的最少例句数(默认 {default})"
ARG_CV = "做 k 折交叉验证,而不是评估已有模型"
ARG_FOLDS = "交叉验证折数(默认 5)"
ARG_TRAIN_FOLDS = "训练时做几折交叉验证并把指标写入模型元数据(0 表示不做;默认 {default})"
ARG_TEXT = "要解析的文本"
ARG_REVIEW_OUT = "导出文件(默认 results/review-<时间>.yml)"
ARG_REVIEW_ALL = "连已导出过的消息一起导出"
ARG_REVIEW_LIMIT = "最多导出多少条"
ARG_REVIEW_NO_MARK = "不把导出的消息标记为已导出"
ARG_DATABASE_URL = "数据库 URL(默认取 MINSHENG_DATABASE_URL)"
ARG_FALLBACK_THRESHOLD = "兜底阈值:最高置信度低于它时意图为 nlu_fallback(默认 {default})"
ARG_AMBIGUITY_THRESHOLD = "歧义阈值:前两名置信度差小于它时视为拿不准(默认 {default})"

VALIDATE_OK = "训练数据没有问题:{examples} 条例句,{intents} 个意图。"
VALIDATE_SUMMARY = "共 {errors} 个错误,{warnings} 个警告({examples} 条例句,{intents} 个意图)。"
TRAIN_PROGRESS = "训练"
TRAIN_DONE = "模型已保存到 {path}\n版本 {version},{examples} 条例句,{intents} 个意图"
TRAIN_CV = "交叉验证({folds} 折):准确率 {accuracy:.4f},宏平均 F1 {macro_f1:.4f}"
TRAIN_CHOSEN = "模型:{kind}(按内部 3 折交叉验证的宏平均 F1 挑选:{scores})"
TRAIN_PINNED = "模型:{kind}(由 --model-kind 指定,未做挑选)"
TRAIN_ONLY = "模型:{kind}(数据太少,未做挑选)"
TRAIN_SCORE = "{kind} {f1:.4f}"
UNKNOWN_MODEL_KIND = "未知的模型种类「{kind}」,可选:{kinds}"
TEST_PROGRESS = "交叉验证"
TEST_DONE = (
    "意图准确率 {accuracy:.4f},宏平均 F1 {macro_f1:.4f},加权 F1 {weighted_f1:.4f}"
    "({count} 条,{errors} 条错误)"
)
TEST_GATEWAY = (
    "以上按网关的做法计分:最高置信度低于 {fallback:.2f} 或前两名相差不到 {ambiguity:.2f} 时"
    "判为 nlu_fallback(计为错误),共 {count} 条兜底({rate:.1%})"
)
TEST_RAW = "参考:不用兜底规则、只看分类器首位意图:准确率 {accuracy:.4f},宏平均 F1 {macro_f1:.4f}"
TEST_FILES = "报告已写入:{paths}"
TEST_ENTITIES = "实体(按标注的类型逐句比对起止位置):宏平均 F1 {f1:.4f}"
TEST_UNKNOWN_INTENTS = "注意:测试集中有模型不认识的意图:{intents}"
REVIEW_DONE = "已导出 {count} 条待标注消息到 {path}"
REVIEW_NONE = "没有待标注的消息。"
ERROR_PREFIX = "错误:"
REVIEW_UNAVAILABLE = "导出待标注消息需要网关的数据库,请运行 minsheng nlu review"

PLOT_TITLE = "意图混淆矩阵"
PLOT_X = "预测意图"
PLOT_Y = "真实意图"

# --------------------------------------------------------------------- review export
REVIEW_HEADER = (
    "# 待标注消息 {count} 条(个人信息已脱敏)。每组按模型的最佳猜测归类:\n"
    "# 请核对每句话,把它移到正确意图的 examples 下,再合并进 training_data/nlu.yml。"
)
REVIEW_GROUP = (
    "# 模型猜测「{intent}」:{count} 条,其中 {fallbacks} 条触发兜底,置信度 {low:.2f}–{high:.2f}"
)

# --------------------------------------------------------------------- HTTP API errors
HTTP_BAD_JSON = "请求体必须是 JSON 对象"
HTTP_NO_TEXT = "请求缺少字符串字段 text"
HTTP_BAD_MESSAGE_ID = "message_id 必须是字符串"
HTTP_BAD_TEXT = "text 含有无效字符(孤立的 UTF-16 代理项)"
HTTP_TOO_LONG = "text 太长(最多 {limit} 个字符)"

# --------------------------------------------------------------------- model errors
NO_EXAMPLES = "没有找到任何训练例句"
MODEL_MISSING_PART = "{path}:模型文件里缺少 {part}"
MODEL_UNREADABLE = "无法读取模型 {path}:{detail}"
MODEL_UNTRUSTED = "模型 {path} 不是用 minsheng nlu train 训练登记过的(摘要 {digest}),为安全起见不加载。请用 minsheng nlu train 重新训练。"
MODEL_OLD_FORMAT = "{path}:模型格式 {found} 不是当前的 {expected},请用 minsheng nlu train 重新训练"
MODEL_INCOMPATIBLE = "{path}:模型与当前程序版本不兼容({detail}),请用 minsheng nlu train 重新训练"
ONE_INTENT = "至少需要两个意图才能训练分类器(现在只有:{intents})"
CV_TOO_SMALL = "只有 {count} 条例句,无法做 {folds} 折交叉验证"
CANNOT_TRAIN = "无法训练意图分类器:{detail}"
