"""Rebuild online_retail_sample.csv from the shared dataset (deterministic; run from the repo root):

.venv/bin/python tests/data/import/build_sample.py [path/to/online_retail.parquet]
"""

import sys
from pathlib import Path

import pandas as pd

SRC = (
    sys.argv[1]
    if len(sys.argv) > 1
    else "../shared/datasets/uci_online_retail/online_retail.parquet"
)
OUT = Path(__file__).with_name("online_retail_sample.csv")
df = pd.read_parquet(SRC)
normal = df[~df.InvoiceNo.str.startswith(("C", "A"))]
pick = []


def invoices(cust, n):
    inv = normal[normal.CustomerID == cust].InvoiceNo.drop_duplicates().head(n)
    return df[df.InvoiceNo.isin(inv)]


pick.append(invoices(17850.0, 3))  # Alice's CustomerID in the seed
pick.append(invoices(12583.0, 2))  # Wang Fang's
others = (
    normal[normal.CustomerID.notna() & ~normal.CustomerID.isin([17850.0, 12583.0])]
    .CustomerID.drop_duplicates()
    .sample(20, random_state=7)
)
for cust in others:
    pick.append(invoices(cust, 2))
pick.append(df[df.InvoiceNo.str.startswith("C") & df.CustomerID.notna()].sample(4, random_state=7))
pick.append(df[df.CustomerID.isna() & ~df.InvoiceNo.str.startswith("C")].sample(6, random_state=7))
pick.append(
    df[
        df.StockCode.isin(["POST", "M", "DOT"])
        & df.CustomerID.notna()
        & ~df.InvoiceNo.str.startswith("C")
    ]
    .groupby("StockCode")
    .head(1)
)
pick.append(df[(df.UnitPrice == 0) & df.CustomerID.notna()].head(2))
pick.append(df[df.InvoiceNo == "581483"])  # 80,995 units: an absurd outlier
with_dups = df[df.duplicated(keep=False) & df.CustomerID.notna()].InvoiceNo.value_counts()
small = df[df.InvoiceNo.isin(with_dups.index)].InvoiceNo.value_counts().sort_values()
pick.append(df[df.InvoiceNo == small.index[0]])  # an invoice with exact duplicate rows
CRAFTED = [  # hand-made bad rows (row numbers >= len(real) + 2)
    [
        "599001",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "6",
        "2011-13-45 10:00:00",
        "2.55",
        "17850.0",
        "United Kingdom",
    ],
    [
        "599002",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "6",
        "yesterday",
        "2.55",
        "14000.0",
        "United Kingdom",
    ],
    [
        "599003",
        "22423",
        "REGENCY CAKESTAND 3 TIER",
        "two",
        "2011-06-01 10:00:00",
        "12.75",
        "14000.0",
        "United Kingdom",
    ],
    [
        "599004",
        "22423",
        "REGENCY CAKESTAND 3 TIER",
        "2.5",
        "2011-06-01 10:00:00",
        "12.75",
        "14000.0",
        "United Kingdom",
    ],
    [
        "599005",
        "22423",
        "REGENCY CAKESTAND 3 TIER",
        "1",
        "2011-06-01 10:00:00",
        "free",
        "14000.0",
        "United Kingdom",
    ],
    [
        "599006",
        "22423",
        "REGENCY CAKESTAND 3 TIER",
        "1",
        "2011-06-01 10:00:00",
        "-12.75",
        "14000.0",
        "United Kingdom",
    ],
    [
        "599007",
        "99999Z",
        "=cmd|' /C calc'!A0",
        "1",
        "2011-06-01 10:00:00",
        "1.00",
        "14000.0",
        "United Kingdom",
    ],
    [
        "599008",
        "22423",
        "REGENCY CAKESTAND 3 TIER",
        "-3",
        "2011-06-01 10:00:00",
        "12.75",
        "14000.0",
        "United Kingdom",
    ],
    [
        "599009",
        "22423",
        "REGENCY CAKESTAND 3 TIER",
        "1",
        "2099-01-01 10:00:00",
        "12.75",
        "14000.0",
        "United Kingdom",
    ],
    [
        "599010",
        "22423",
        "REGENCY CAKESTAND 3 TIER",
        "1",
        "2011-06-01 10:00:00",
        "12.75",
        "",
        "United Kingdom",
    ],
    ["599011", "88888X", "", "1", "2011-06-01 10:00:00", "3.00", "14000.0", "United Kingdom"],
    [
        "599012",
        "22423",
        "REGENCY CAKESTAND 3 TIER",
        "1",
        "2011-06-01 10:00:00",
        "9999.00",
        "14000.0",
        "United Kingdom",
    ],
]
sample = pd.concat(pick)
sample = sample[~sample.index.duplicated()].sort_index()
dups = sample[sample.duplicated(keep=False)]
print("real duplicates in sample:", len(dups))
crafted = pd.DataFrame(CRAFTED, columns=list(df.columns))
text = sample.astype(object).where(sample.notna(), "")
text = text.assign(InvoiceDate=sample.InvoiceDate.dt.strftime("%Y-%m-%d %H:%M:%S"))
pd.concat([text, crafted]).to_csv(OUT, index=False)
print("crafted rows start at row", len(sample) + 2)
print(
    len(sample),
    "rows;",
    sample.InvoiceNo.nunique(),
    "invoices;",
    sample.CustomerID.nunique(),
    "customers",
)
