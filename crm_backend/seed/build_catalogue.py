"""Maintainer tool: rebuild ``seed/data/products.csv`` from the UCI Online Retail dataset.

Not used at seed time (the seed reads the CSV in the repo). Run it only to change the
catalogue, with the dataset available::

    python -m crm_backend.seed.build_catalogue /path/to/online_retail.parquet

English names are the dataset's descriptions, title-cased and tidied; prices are the median
unit price (GBP) of the item's sales; Chinese names and categories are ours.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path
from typing import Dict, List, Tuple

OUT = Path(__file__).resolve().parent / "data" / "products.csv"
CATEGORY_BLURB = {
    "candles_lights": "Soft lighting for cosy evenings.",
    "kitchen": "For baking, serving and tea time.",
    "bags": "Reusable and roomy.",
    "home_decor": "Vintage-style decoration for the home.",
    "stationery": "For notes, cards and gifts.",
    "toys": "Traditional games and toys.",
    "garden": "For the garden, patio and balcony.",
    "christmas": "Festive decorations and table ware.",
}
# stock code -> (Chinese name, category)
CURATED: Dict[str, Tuple[str, str]] = {
    "85123A": ("白色心形挂式烛台", "candles_lights"),
    "22178": ("维多利亚风玻璃挂式烛台", "candles_lights"),
    "23084": ("兔子小夜灯", "candles_lights"),
    "21731": ("红蘑菇LED小夜灯", "candles_lights"),
    "84946": ("仿古银色玻璃烛杯", "candles_lights"),
    "79321": ("辣椒串灯", "candles_lights"),
    "22969": ("果酱香味蜡烛", "candles_lights"),
    "84347": ("旋转银天使烛台", "candles_lights"),
    "22423": ("摄政风三层蛋糕架", "kitchen"),
    "22720": ("食品柜图案蛋糕罐三件套", "kitchen"),
    "21212": ("复古波点蛋糕纸杯（72个装）", "kitchen"),
    "22960": ("果酱制作套装（含罐）", "kitchen"),
    "22666": ("黄色食品柜图案食谱盒", "kitchen"),
    "22699": ("摄政风玫瑰茶杯茶碟", "kitchen"),
    "22138": ("复古波点烘焙九件套", "kitchen"),
    "22624": ("象牙色厨房秤", "kitchen"),
    "22197": ("爆米花桶", "kitchen"),
    "22139": ("复古波点陶瓷茶具（11件）", "kitchen"),
    "85099B": ("红色复古波点大号购物袋", "bags"),
    "20725": ("红色复古波点午餐袋", "bags"),
    "20727": ("黑色骷髅图案午餐袋", "bags"),
    "23203": ("复古蕾丝图案大号购物袋", "bags"),
    "22382": ("太空男孩午餐袋", "bags"),
    "20724": ("红色复古波点束口袋", "bags"),
    "21936": ("红色复古波点野餐包", "bags"),
    "22629": ("太空男孩午餐盒", "bags"),
    "84879": ("彩色小鸟摆件", "home_decor"),
    "22457": ("天然石板心形小黑板", "home_decor"),
    "22469": ("小号藤编爱心", "home_decor"),
    "82482": ("白色木质相框", "home_decor"),
    "22727": ("红色复古电木闹钟", "home_decor"),
    "21181": ("“请一次一人”金属标牌", "home_decor"),
    "23284": ("“保持冷静，请进”门垫", "home_decor"),
    "22112": ("巧克力色热水袋", "home_decor"),
    "21754": ("HOME 字母积木摆件", "home_decor"),
    "22193": ("红色餐厅风挂钟", "home_decor"),
    "21992": ("复古佩斯利花纹文具套装", "stationery"),
    "22759": ("牛皮纸包装笔记本三件套", "stationery"),
    "20975": ("红色复古波点铅笔（12支筒装）", "stationery"),
    "22029": ("太空男孩生日贺卡", "stationery"),
    "22585": ("小鸟礼品吊牌（6个装）", "stationery"),
    "22998": ("“保持冷静”旅行卡包", "stationery"),
    "22489": ("传统蜡笔（12支装）", "stationery"),
    "21790": ("复古对对碰纸牌", "toys"),
    "21915": ("红色盒装口琴", "toys"),
    "21889": ("木盒多米诺骨牌", "toys"),
    "22619": ("士兵造型保龄球（6件套）", "toys"),
    "22620": ("传统陀螺（4个装）", "toys"),
    "22621": ("传统编织娃娃", "toys"),
    "22748": ("波比的过家家厨房", "toys"),
    "22561": ("木盒学生填色套装", "toys"),
    "23301": ("“保持冷静”园艺跪垫", "garden"),
    "22487": ("白色木质植物梯架", "garden"),
    "22605": ("木质槌球花园游戏套装", "garden"),
    "21714": ("香茅蜡烛花盆", "garden"),
    "23091": ("锌制香草种植盒", "garden"),
    "22926": ("象牙色大号花园温度计", "garden"),
    "22431": ("蓝色小象洒水壶", "garden"),
    "22086": ("50年代风圣诞纸链套装", "christmas"),
    "22910": ("复古圣诞纸链套装", "christmas"),
    "22577": ("北欧风木质爱心圣诞挂饰", "christmas"),
    "22141": ("圣诞手工树顶天使", "christmas"),
    "23313": ("复古圣诞彩旗", "christmas"),
    "35970": ("锌制民俗风雪橇铃铛", "christmas"),
    "22909": ("复古圣诞餐巾纸（20张）", "christmas"),
}
_SMALL = {"of", "and", "in", "with", "the"}
_FIXES = {"Hldr": "Holder", "S/3": "Set of 3", "T-light": "T-Light", "Led": "LED", "Ii": "II"}


def tidy_name(description: str) -> str:
    """'SET OF 3 CAKE TINS PANTRY DESIGN ' -> 'Set of 3 Cake Tins Pantry Design'."""
    words = re.sub(r"\s+", " ", description.strip().rstrip(".")).split(" ")
    out: List[str] = []
    for i, word in enumerate(words):
        low = word.lower()
        titled = (
            low
            if 0 < i < len(words) - 1 and low in _SMALL
            else "-".join(p.capitalize() for p in low.split("-"))
        )
        out.append(_FIXES.get(titled, titled))
    return " ".join(out)


def main(parquet: str) -> int:
    import pandas as pd  # maintainer-only dependency path

    df = pd.read_parquet(parquet)
    df = df[(df.Quantity > 0) & (df.UnitPrice > 0) & ~df.InvoiceNo.str.startswith("C")]
    df = df[df.StockCode.isin(list(CURATED))]
    grouped = df.groupby("StockCode").agg(
        desc=("Description", lambda s: s.mode().iat[0]), price=("UnitPrice", "median")
    )
    missing = set(CURATED) - set(grouped.index)
    if missing:
        raise SystemExit(f"stock codes not in dataset: {sorted(missing)}")
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["sku", "name_en", "name_zh", "category", "price", "description"])
        for sku, (name_zh, category) in CURATED.items():
            name_en = tidy_name(str(grouped.at[sku, "desc"]))
            price = f"{float(grouped.at[sku, 'price']):.2f}"
            writer.writerow(
                [sku, name_en, name_zh, category, price, f"{name_en}. {CATEGORY_BLURB[category]}"]
            )
    print(f"wrote {len(CURATED)} products to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(
        main(
            sys.argv[1]
            if len(sys.argv) > 1
            else "../shared/datasets/uci_online_retail/online_retail.parquet"
        )
    )
