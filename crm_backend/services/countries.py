"""Countries we recognise in addresses and questions, in English and Chinese.

Pure data and look-ups (no database). ``find_country`` spots a country (or a well-known city)
in free text such as "ship to Germany" or "寄到上海要几天"; ``country_from_name`` reads the
country part of an address ("UK", "Deutschland", "中国", "FR").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, FrozenSet, Iterable, Optional, Tuple

# code -> (English name, Chinese name, other spellings)
COUNTRIES: Dict[str, Tuple[str, str, Tuple[str, ...]]] = {
    "GB": (
        "United Kingdom",
        "英国",
        (
            "uk",
            "u.k.",
            "gb",
            "great britain",
            "britain",
            "england",
            "scotland",
            "wales",
            "northern ireland",
            "英格兰",
            "苏格兰",
            "威尔士",
            "北爱尔兰",
            "大不列颠",
        ),
    ),
    "CN": (
        "China",
        "中国",
        ("prc", "mainland china", "people's republic of china", "中国大陆", "大陆", "内地", "国内"),
    ),
    "AT": ("Austria", "奥地利", ("österreich",)),
    "BE": ("Belgium", "比利时", ("belgique", "belgië")),
    "BG": ("Bulgaria", "保加利亚", ()),
    "HR": ("Croatia", "克罗地亚", ("hrvatska",)),
    "CY": ("Cyprus", "塞浦路斯", ()),
    "CZ": ("Czechia", "捷克", ("czech republic",)),
    "DK": ("Denmark", "丹麦", ("danmark",)),
    "EE": ("Estonia", "爱沙尼亚", ()),
    "FI": ("Finland", "芬兰", ("suomi",)),
    "FR": ("France", "法国", ()),
    "DE": ("Germany", "德国", ("deutschland",)),
    "GR": ("Greece", "希腊", ()),
    "HU": ("Hungary", "匈牙利", ()),
    "IE": ("Ireland", "爱尔兰", ("eire", "republic of ireland")),
    "IT": ("Italy", "意大利", ("italia",)),
    "LV": ("Latvia", "拉脱维亚", ()),
    "LT": ("Lithuania", "立陶宛", ()),
    "LU": ("Luxembourg", "卢森堡", ()),
    "MT": ("Malta", "马耳他", ()),
    "NL": ("Netherlands", "荷兰", ("the netherlands", "holland", "nederland")),
    "PL": ("Poland", "波兰", ("polska",)),
    "PT": ("Portugal", "葡萄牙", ()),
    "RO": ("Romania", "罗马尼亚", ()),
    "SK": ("Slovakia", "斯洛伐克", ()),
    "SI": ("Slovenia", "斯洛文尼亚", ()),
    "ES": ("Spain", "西班牙", ("españa",)),
    "SE": ("Sweden", "瑞典", ("sverige",)),
    "US": ("United States", "美国", ("usa", "u.s.a.", "united states of america", "america")),
    "CA": ("Canada", "加拿大", ()),
    "AU": ("Australia", "澳大利亚", ("澳洲",)),
    "NZ": ("New Zealand", "新西兰", ()),
    "JP": ("Japan", "日本", ()),
    "KR": ("South Korea", "韩国", ("korea", "republic of korea")),
    "SG": ("Singapore", "新加坡", ()),
    "HK": ("Hong Kong", "香港", ()),
    "MO": ("Macau", "澳门", ("macao",)),
    "TW": ("Taiwan", "台湾", ()),
    "CH": ("Switzerland", "瑞士", ("schweiz", "suisse")),
    "NO": ("Norway", "挪威", ("norge",)),
    "IS": ("Iceland", "冰岛", ()),
    "IN": ("India", "印度", ()),
    "AE": ("United Arab Emirates", "阿联酋", ("uae",)),
    "MY": ("Malaysia", "马来西亚", ()),
    "TH": ("Thailand", "泰国", ()),
}

EU_COUNTRIES: FrozenSet[str] = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)

# well-known cities customers name instead of the country ("寄到上海", "deliver to London")
CITIES: Dict[str, Tuple[str, ...]] = {
    "GB": (
        "london",
        "manchester",
        "birmingham",
        "edinburgh",
        "glasgow",
        "liverpool",
        "leeds",
        "bristol",
        "cardiff",
        "belfast",
        "oxford",
        "cambridge",
        "伦敦",
        "曼彻斯特",
        "伯明翰",
        "爱丁堡",
        "格拉斯哥",
        "利物浦",
        "牛津",
        "剑桥",
    ),
    "CN": (
        "beijing",
        "shanghai",
        "shenzhen",
        "guangzhou",
        "hangzhou",
        "chengdu",
        "北京",
        "上海",
        "深圳",
        "广州",
        "杭州",
        "成都",
        "南京",
        "武汉",
        "天津",
        "重庆",
        "西安",
        "苏州",
        "厦门",
        "青岛",
        "长沙",
        "郑州",
        "沈阳",
        "大连",
        "宁波",
        "昆明",
        "哈尔滨",
    ),
    "FR": ("paris", "巴黎"),
    "DE": ("berlin", "munich", "柏林", "慕尼黑"),
    "ES": ("madrid", "barcelona", "马德里", "巴塞罗那"),
    "IT": ("rome", "milan", "罗马", "米兰"),
    "NL": ("amsterdam", "阿姆斯特丹"),
    "IE": ("dublin", "都柏林"),
}

_HAN = re.compile(r"[\u3400-\u9fff]")


def fold(text: str) -> str:
    """NFKC, lower case, single spaces: how names are compared."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def _names(code: str) -> Iterable[str]:
    english, chinese, others = COUNTRIES[code]
    yield english.lower()
    yield chinese
    yield from others


_BY_NAME: Dict[str, str] = {name: code for code in COUNTRIES for name in _names(code)}


def country_name(code: str, language: str = "en") -> str:
    """``GB`` -> "United Kingdom" / "英国"; unknown codes are returned as they are."""
    entry = COUNTRIES.get(code.upper())
    if entry is None:
        return code
    return entry[1] if language == "zh" else entry[0]


def country_from_name(text: str) -> Optional[str]:
    """The ISO code for a whole country name, alias or code (``"de"`` -> ``"DE"``)."""
    folded = fold(text).strip(" .")
    if not folded:
        return None
    if folded in _BY_NAME:
        return _BY_NAME[folded]
    if folded.endswith("."):
        folded = folded[:-1]
    upper = folded.upper()
    return upper if len(upper) == 2 and upper in COUNTRIES else None


def _mentions(folded: str, name: str) -> bool:
    if _HAN.search(name):
        return name in folded
    return re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", folded) is not None


def find_country(text: str) -> Optional[str]:
    """The first country (or city of a country) named in free text, or None.

    Longer names win over shorter ones ("northern ireland" is GB, not IE). Two-letter codes
    are not looked for in free text (too many false hits such as "us", "it", "de").
    """
    folded = fold(text)
    if not folded:
        return None
    candidates = [
        (name, code) for name, code in _BY_NAME.items() if len(name) > 2 or _HAN.search(name)
    ]
    candidates += [("uk", "GB")]
    candidates += [(city, code) for code, cities in CITIES.items() for city in cities]
    best: Optional[Tuple[int, int, str]] = None  # (position, -length, code)
    for name, code in candidates:
        if not _mentions(folded, name):
            continue
        position = folded.find(name)
        key = (position, -len(name), code)
        if best is None or key < best:
            best = key
    return best[2] if best else None
