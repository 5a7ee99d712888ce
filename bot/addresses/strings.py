"""Every word of the address area a resident reads: door-plate page and printed plates."""

from __future__ import annotations

from typing import Final

ROLE_LABELS: Final[dict[str, str]] = {
    "grid_worker": "网格员",
    "secretary": "社区书记",
    "police": "社区民警",
    "lift_rescue": "电梯救援",
}

PAGE: Final[dict[str, str]] = {
    "badge": "智慧门牌",
    "title_suffix": "智慧门牌",
    "district": "区县",
    "street": "街道（镇）",
    "community": "社区（村）",
    "grid": "网格",
    "microgrid": "微网格",
    "door_plate": "门牌",
    "code": "标准地址编码",
    "units": "单元数",
    "address": "标准地址",
    "report": "一键报事",
    "report_hint": "问题发生在这栋楼？点这里直接报事，地址已自动填好。",
    "contact": "一键联系",
    "contact_hint": "以下是本楼所在网格和社区的值班电话，点击即可拨打。",
    "call": "拨打",
    "no_contact": "暂未登记",
    "footer": "事事有回音 · 民生诉求服务",
    "not_found_title": "没有找到这个门牌",
    "not_found_body": "二维码可能已经更换或者编码有误。您仍然可以直接报事，告诉我们小区和楼号即可。",
    "not_found_code": "扫描到的编码",
    "not_found_action": "进入报事页面",
    # Elder mode (长辈模式): the switch, and shorter sentences for the same places.
    "elder_on": "长辈模式（大字）",
    "elder_off": "退出长辈模式",
    "report_hint_elder": "这栋楼有事？点红色按钮，直接说。",
    "contact_hint_elder": "点绿色按钮，直接打电话。",
    "not_found_body_elder": "没找到这个门牌。点下面按钮，说说小区和楼号。",
}

PLATE: Final[dict[str, str]] = {
    "badge": "智慧门牌",
    "scan": "扫码报事 · 一键联系网格员",
    "code": "编码",
}
