"""Bilingual glossary: shop concepts and the words customers use for them.

The intent classifier adds one ``@concept`` feature for every concept a message mentions,
in either language, so "reimbursement", "money back" and "退钱" all share the evidence
learnt for "refund" / "退款", and a word seen only a few times in training still carries
its concept's weight. English terms are matched on word tokens (``*`` = any ending, so
``refund*`` covers refunds/refunded); Chinese terms are matched as substrings of Han text.
Keep the groups about *meaning*, not about one intent: the classifier learns how concepts
combine (cancel + fee -> check_cancellation_fee, cancel + order -> cancel_order).
"""

from __future__ import annotations

import re
from typing import Collection, Dict, List, Sequence, Tuple

# fmt: off
GLOSSARY: Dict[str, Tuple[str, ...]] = {
    "order": ("order*", "purchase*", "parcel*", "package*", "shipment*", "订单", "定单", "单子",
        "这单", "那单", "下的单", "包裹", "买的东西"),
    "buy": ("buy*", "bought", "checkout", "check out", "place an order", "make a purchase",
        "shopping", "购买", "下单", "买", "拍下", "结算", "订购"),
    "cancel": ("cancel*", "call off", "scrap", "withdraw", "取消", "撤销", "撤单", "撤回", "作废",
        "不要了"),
    "fee": ("fee*", "charge*", "penalty", "penalties", "cost*", "pay extra", "手续费", "费用",
        "违约金", "扣钱", "收费", "扣多少", "要钱"),
    "change": ("chang*", "modif*", "edit*", "updat*", "amend*", "correct*", "fix", "修改", "更改",
        "改一下", "改成", "更新", "换成", "编辑", "改"),
    "address": ("address*", "postcode*", "zip code", "地址", "邮编", "收件", "收货"),
    "delivery": ("deliver*", "shipping", "ship", "ships", "courier*", "postage", "post",
        "dispatch*", "配送", "快递", "运输", "寄", "发货", "物流", "运费", "送货", "包邮"),
    "duration": ("how long", "how many days", "how soon", "how quick*", "when will", "arrive*",
        "多久", "几天", "多长时间", "什么时候", "多少天", "工作日", "能到"),
    "track": ("track*", "where is", "where's", "wheres", "status", "whereabouts", "到哪", "查询",
        "进度", "状态", "跟踪", "在哪里了", "到了没"),
    "refund": ("refund*", "reimburs*", "money back", "repay*", "rebate*", "restitution",
        "compensat*", "退款", "退钱", "钱退", "退回", "退费", "退还"),
    "policy": ("policy", "policies", "rule*", "condition*", "guarantee", "terms", "政策", "规定",
        "规则", "条件", "条款"),
    "invoice": ("invoice*", "bill", "bills", "billing", "receipt*", "发票", "账单", "收据"),
    "payment": ("pay", "paying", "paid", "payment*", "card*", "paypal", "visa", "mastercard",
        "apple pay", "transfer", "installment*", "付款", "支付", "付钱", "刷卡", "信用卡",
        "支付宝", "微信", "银行卡", "扣款", "分期"),
    "account": ("account*", "profile*", "user", "username", "membership", "账号", "帐号", "账户",
        "帐户", "会员", "用户"),
    "register": ("regist*", "sign up", "signup", "signing up", "sign-up", "join",
        "open an account", "create an account", "注册", "开户", "开通", "创建"),
    "delete": ("delet*", "remov*", "close", "closing", "deactivat*", "terminat*", "get rid",
        "注销", "删除", "销户", "关闭", "删号"),
    "switch": ("switch*", "swap*", "another account", "other account", "切换", "换号", "切到"),
    "password": ("password*", "passcode", "pwd", "login details", "密码"),
    "forgot": ("forgot*", "forget*", "lost", "reset*", "recover*", "remember", "locked out",
        "忘记", "忘了", "找回", "重置", "想不起", "记不得", "重设"),
    "problem": ("problem*", "issue*", "error*", "fail*", "declin*", "not working", "doesn't work",
        "isn't working", "can't", "cannot", "cant", "unable", "won't", "stuck", "bug", "问题",
        "失败", "报错", "出错", "不了", "不成功", "不上", "没反应", "卡住", "被拒"),
    "newsletter": ("newsletter*", "subscri*", "unsubscri*", "mailing list", "promo*", "marketing",
        "订阅", "退订", "邮件列表", "推送", "广告邮件", "营销邮件", "新闻邮件"),
    "complaint": ("complain*", "unhappy", "dissatisfied", "disappointed", "awful", "terrible",
        "worst", "rude", "unacceptable", "angry", "furious", "horrible", "投诉", "不满", "太差",
        "失望", "生气", "糟糕", "差劲", "气死"),
    "feedback": ("review*", "feedback", "rate", "rating", "opinion*", "suggest*", "comment*",
        "评价", "反馈", "建议", "好评", "打分", "点赞", "意见", "评论"),
    "contact": ("contact*", "get in touch", "phone number", "call", "ring", "email address",
        "opening hours", "hours", "helpline", "hotline", "联系", "电话", "热线", "邮箱",
        "工作时间", "上班", "在线客服"),
    "service": ("customer service", "customer support", "support", "customer care",
        "service desk", "客服", "售后", "客户服务"),
    "human": ("human", "person", "agent", "someone", "somebody", "staff", "representative",
        "operator", "real person", "live chat", "人工", "真人", "工作人员", "活人", "专员",
        "经理"),
    "bot": ("bot", "robot", "chatbot", "ai", "automated", "machine", "机器人", "程序",
        "自动回复"),
    "product": ("product*", "item*", "stock", "sell", "gift*", "present*", "商品", "产品", "有货",
        "有没有", "卖", "礼物", "货"),
    "recommend": ("recommend*", "suggestion*", "idea*", "what should i get", "best seller*",
        "popular", "推荐", "送什么", "买什么", "选哪", "有什么好", "卖得最好"),
}
# fmt: on

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PREFIX_KEY = 3  # prefix patterns are indexed by their first three letters

Pattern = Tuple[str, Tuple[str, ...]]  # concept, words (a trailing "*" = any ending)


class _Index:
    """Latin patterns indexed by their first word (exact, or by prefix); Han terms."""

    def __init__(self) -> None:
        self.exact: Dict[str, List[Pattern]] = {}
        self.prefix: Dict[str, List[Pattern]] = {}
        self.han: List[Tuple[str, str]] = []
        for concept, terms in GLOSSARY.items():
            for term in terms:
                if _HAN.search(term):
                    self.han.append((concept, term))
                    continue
                words = tuple(term.lower().split())
                first = words[0]
                if first.endswith("*"):
                    key = first[:-1][:_PREFIX_KEY]
                    self.prefix.setdefault(key, []).append((concept, words))
                else:
                    self.exact.setdefault(first, []).append((concept, words))

    def candidates(self, word: str) -> List[Pattern]:
        return self.exact.get(word, []) + self.prefix.get(word[:_PREFIX_KEY], [])


_INDEX = _Index()
FUZZY_MIN_LENGTH = 6  # only longer words are corrected (short ones collide too easily)


def _deletes(word: str) -> List[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


class _Fuzzy:
    """One-typo matching of long words to the glossary's English words and stems.

    Symmetric-delete lookup: a word and a glossary word match when they are equal after
    deleting at most one character from each (a deletion, insertion, substitution or
    adjacent swap) and start with the same letter. Stems (``refund*``) are compared with
    the word's prefixes. Words and glossary words shorter than six letters are left alone.
    """

    def __init__(self) -> None:
        self.index: Dict[str, List[Tuple[str, bool]]] = {}
        for terms in GLOSSARY.values():
            for term in terms:
                for part in term.lower().split():
                    stem = part.endswith("*")
                    word = part.rstrip("*")
                    if _HAN.search(word) or len(word) < FUZZY_MIN_LENGTH:
                        continue
                    for key in [word, *_deletes(word)]:
                        entries = self.index.setdefault(key, [])
                        if (word, stem) not in entries:
                            entries.append((word, stem))
        self.stem_lengths = sorted({len(w) for e in self.index.values() for w, s in e if s})

    def correct(self, word: str) -> str:
        if len(word) < FUZZY_MIN_LENGTH or not word.isalpha():
            return word
        candidates = [(word, False)] + [(word[:n], True) for n in self._prefix_lengths(word)]
        for text, as_prefix in candidates:
            for key in [text, *_deletes(text)]:
                for target, stem in self.index.get(key, []):
                    if target[0] != word[0]:  # typos rarely hit the first letter
                        continue
                    if stem == as_prefix or (stem and not as_prefix):
                        return target if not stem else target + word[len(text) :]
        return word

    def _prefix_lengths(self, word: str) -> List[int]:
        return sorted({n + d for n in self.stem_lengths for d in (-1, 0, 1) if n + d < len(word)})


_FUZZY = _Fuzzy()


def _word_matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def _known(word: str) -> bool:
    return any(_word_matches(pattern[0], word) for _, pattern in _INDEX.candidates(word))


def concepts(
    text: str, words: Sequence[str], known_words: Collection[str] = frozenset()
) -> List[str]:
    """The glossary concepts mentioned in a message, in first-mention order.

    ``words`` are the message's lower-cased word tokens; ``text`` is the raw message
    (Chinese terms are looked up in it). English mentions come before Chinese ones. A long
    word that is neither a glossary word nor in ``known_words`` (the classifier passes its
    training vocabulary) is read as a one-typo variant of a glossary word if there is one.
    """
    found: Dict[str, int] = {}
    words = [w if w in known_words or _known(w) else _FUZZY.correct(w) for w in words]
    for start, word in enumerate(words):
        for concept, pattern in _INDEX.candidates(word):
            if concept in found:
                continue
            window = words[start : start + len(pattern)]
            if len(window) == len(pattern) and all(map(_word_matches, pattern, window)):
                found[concept] = start
    if _HAN.search(text):
        for concept, term in _INDEX.han:
            if concept not in found:
                position = text.find(term)
                if position >= 0:
                    found[concept] = len(words) + position
    return sorted(found, key=found.__getitem__)
