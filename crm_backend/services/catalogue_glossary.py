"""Word lists for product search: filler words to drop and the EN<->ZH glossary.

Catalogue names are English (with a Chinese name per product); the glossary maps what a
Chinese-speaking customer types to the English words of the catalogue. Keep entries to
words a gift-shop customer really uses.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

ZH_GLOSSARY: Dict[str, Tuple[str, ...]] = {
    "蜡烛": ("candle",),
    "香薰": ("scented", "candle"),
    "烛台": ("t-light", "holder"),
    "烛杯": ("t-light",),
    "杯子": ("mug", "cup", "teacup"),
    "水杯": ("mug", "cup", "teacup"),
    "马克杯": ("mug", "cup", "teacup"),
    "茶杯": ("teacup", "cup"),
    "杯": ("mug", "cup", "teacup"),
    "茶具": ("tea set",),
    "包": ("bag",),
    "袋": ("bag",),
    "袋子": ("bag",),
    "包包": ("bag",),
    "购物袋": ("bag", "shopping"),
    "午餐": ("lunch",),
    "饭盒": ("lunch box",),
    "午餐盒": ("lunch box",),
    "圣诞": ("christmas",),
    "灯": ("light", "lantern"),
    "灯笼": ("lantern",),
    "夜灯": ("night light",),
    "小夜灯": ("night light",),
    "灯串": ("lights",),
    "相框": ("frame",),
    "画框": ("frame",),
    "钟": ("clock",),
    "闹钟": ("alarm clock", "clock"),
    "挂钟": ("wall clock", "clock"),
    "蛋糕": ("cake",),
    "蛋糕架": ("cakestand",),
    "厨房": ("kitchen",),
    "秤": ("scales",),
    "文具": ("stationery",),
    "笔记本": ("notebook",),
    "本子": ("notebook",),
    "铅笔": ("pencil",),
    "蜡笔": ("crayon",),
    "贺卡": ("card",),
    "卡片": ("card",),
    "玩具": ("toys",),
    "游戏": ("game",),
    "花园": ("garden",),
    "园艺": ("garden",),
    "花盆": ("pot",),
    "洒水壶": ("watering can",),
    "温度计": ("thermometer",),
    "门垫": ("doormat",),
    "地垫": ("doormat",),
    "热水袋": ("hot water bottle",),
    "装饰": ("decoration", "decor"),
    "摆件": ("ornament", "decoration"),
    "挂饰": ("hanging", "decoration"),
    "爱心": ("heart",),
    "心形": ("heart",),
    "鸟": ("bird",),
    "餐巾": ("napkin",),
    "彩旗": ("bunting",),
    "铃铛": ("bell",),
    "天使": ("angel",),
    "口琴": ("harmonica",),
    "陀螺": ("spinning top",),
    "果酱": ("jam",),
    "爆米花": ("popcorn",),
    "野餐": ("picnic",),
    "礼品": ("gift",),
    "礼物": ("gift",),
    "黑板": ("chalkboard",),
    "红色": ("red",),
    "白色": ("white",),
    "黑色": ("black",),
    "蓝色": ("blue",),
    "银色": ("silver",),
    "木质": ("wooden",),
    "复古": ("vintage", "retrospot"),
}

MODIFIERS: FrozenSet[str] = frozenset(
    {
        "红色",
        "白色",
        "黑色",
        "蓝色",
        "银色",
        "木质",
        "复古",
        "red",
        "white",
        "black",
        "blue",
        "silver",
        "green",
        "pink",
        "wooden",
        "vintage",
        "small",
        "large",
        "big",
        "giant",
        "mini",
    }
)
"""Colours, materials and sizes: they refine a search but do not make a match alone."""

EN_SYNONYMS: Dict[str, Tuple[str, ...]] = {
    "lamp": ("light",),
    "lantern": ("lantern", "light"),
    "cup": ("cup", "mug", "teacup"),
    "mug": ("mug", "cup", "teacup"),
    "tealight": ("t-light",),
    "xmas": ("christmas",),
    "decoration": ("decoration", "decor", "ornament"),
    "ornament": ("ornament", "decoration"),
    "toy": ("toys", "toy"),
    "game": ("game", "toys"),
    "cake": ("cake",),
    "frame": ("frame",),
    "tin": ("tin",),
}

EN_STOPWORDS: FrozenSet[str] = frozenset(
    """a an the i i'm im me my we you your yours do does did have has had got get any some
    sell sells selling stock stocked available is are was there here what which where who
    how for of in on at to and or with without please pls plz can could would will want
    wanna need looking look find search show see buy order something anything thing things
    product products item items stuff shop store one ones like it this that these those
    still left have you got hi hello hey thanks thank just also more other another kind
    sort type about around under over price cheap good nice new i'd i'll i've you're id
    hmm umm uh ok okay yes no yeah searching browse browsing catalogue catalog range help
    idea ideas suggest maybe really very much many lot lots""".split()
)

ZH_STOPWORDS: FrozenSet[str] = frozenset(
    """有没有 有 没有 没 你们 你们家 你家 贵店 店里 卖 卖不卖 有卖 吗 呢 啊 吧 呀 的 了 我 我们 想
    想要 要 我要 找 找个 想找 找一下 买 想买 购买 请问 请 一下 一个 个 款 种 些 一些 搜 搜索 搜一下
    看 看看 看下 想看看 帮 帮我 哪些 什么 还 还有 货 库存 商品 东西 产品 在 哪 哪里 哪个 是 不
    好 能 可以 给 推荐 那种 这种 这个 那个 多少 钱 价格 便宜 适合 送 和 或 及 与 也 都 吗？ 么
    分类 有货 现货 类""".split()
)
"""Filler words dropped from queries (jieba tokens)."""
