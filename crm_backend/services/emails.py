"""Customer e-mails about their account, queued in the transactional outbox.

Each template has an English and a Chinese version; the language is the conversation's
(or the customer's preferred one). Messages are only staged here: the caller's unit of
work commits them together with the change they announce, and a mailer sends them.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple

from crm_backend.models import Language, OutboxChannel, OutboxMessage, OutboxStatus
from crm_backend.unit_of_work import UnitOfWork

SIGNATURE = {
    "en": "\n\nThe Gift Shop customer service\nsupport@shop.example · +44 20 7946 0000",
    "zh": "\n\n礼品店客服团队\nsupport@shop.example · +44 20 7946 0000",
}

# template -> language -> (subject, body); bodies are str.format templates
TEMPLATES: Mapping[str, Mapping[str, Tuple[str, str]]] = {
    "welcome": {
        "en": (
            "Welcome to the Gift Shop, {name}",
            "Hello {name},\n\nyour account for {email} is ready. You can now track orders, "
            "manage returns and keep your details up to date.{newsletter_line}",
        ),
        "zh": (
            "欢迎加入礼品店，{name}",
            "{name}，您好：\n\n您的账户（{email}）已创建成功。现在您可以查询订单、办理退货"
            "并随时更新个人信息。{newsletter_line}",
        ),
    },
    "verification_code": {
        "en": (
            "Your verification code",
            "Your verification code is {code}.\n\nType it in the chat to confirm it's you. "
            "It expires in {minutes} minutes. If you didn't ask for it, ignore this e-mail; "
            "never share the code with anyone.",
        ),
        "zh": (
            "您的验证码",
            "您的验证码是 {code}。\n\n请在聊天窗口中输入以确认身份，{minutes} 分钟内有效。"
            "如果不是您本人操作，请忽略本邮件，切勿将验证码告诉任何人。",
        ),
    },
    "sign_up_code": {
        "en": (
            "Confirm your e-mail address",
            "Your code to confirm {email} for your new Gift Shop account is {code}.\n\n"
            "Type it in the chat to finish signing up. It expires in {minutes} minutes. If "
            "you didn't ask for an account, ignore this e-mail: none will be created.",
        ),
        "zh": (
            "确认您的邮箱",
            "用 {email} 注册礼品店账户的验证码是 {code}。\n\n请在聊天窗口中输入以完成注册，"
            "{minutes} 分钟内有效。如果不是您本人操作，请忽略本邮件，我们不会创建账户。",
        ),
    },
    "email_change_code": {
        "en": (
            "Confirm your new e-mail address",
            "Your code to confirm {email} as the new e-mail address of your account is "
            "{code}.\n\nType it in the chat. It expires in {minutes} minutes. If you didn't "
            "ask for this change, ignore this e-mail.",
        ),
        "zh": (
            "确认您的新邮箱",
            "将 {email} 设为账户新邮箱的验证码是 {code}。\n\n请在聊天窗口中输入，{minutes} "
            "分钟内有效。如果不是您本人操作，请忽略本邮件。",
        ),
    },
    "email_changed": {
        "en": (
            "The e-mail address of your account was changed",
            "Hello {name},\n\nthe e-mail address of your account was changed to {new_email}. "
            "If you didn't do this, contact us straight away.",
        ),
        "zh": (
            "您账户的邮箱已更改",
            "{name}，您好：\n\n您账户的邮箱已更改为 {new_email}。如果这不是您本人的操作，"
            "请立即联系我们。",
        ),
    },
    "password_reset": {
        "en": (
            "Reset your password",
            "Hello {name},\n\nwe received a request to reset the password of your account. "
            "Open this link to choose a new one (valid for {minutes} minutes, once):\n\n"
            "{link}\n\nIf you didn't ask for this, ignore this e-mail: your password stays "
            "the same.",
        ),
        "zh": (
            "重置您的密码",
            "{name}，您好：\n\n我们收到了重置您账户密码的请求。请打开以下链接设置新密码"
            "（{minutes} 分钟内有效，仅可使用一次）：\n\n{link}\n\n如果不是您本人操作，"
            "请忽略本邮件，您的密码不会改变。",
        ),
    },
    "account_exists": {
        "en": (
            "About signing up with {email}",
            "Hello {name},\n\nwe were asked in our chat to sign up with {email}. This address "
            "already belongs to your Gift Shop account, so no new account was created; that "
            "is usually why signing up doesn't work.\n\nForgotten your password? Open this "
            "link to choose a new one (valid for {minutes} minutes, once):\n\n{link}\n\n"
            "If you didn't ask for this, ignore this e-mail: nothing has changed.",
        ),
        "zh": (
            "关于使用 {email} 注册",
            "{name}，您好：\n\n我们在聊天中收到了使用 {email} 注册的请求。该邮箱已经关联了"
            "您的礼品店账户，因此没有创建新账户，这通常就是注册不成功的原因。\n\n忘记密码了？"
            "请打开以下链接设置新密码（{minutes} 分钟内有效，仅可使用一次）：\n\n{link}\n\n"
            "如果不是您本人操作，请忽略本邮件，您的账户不会有任何变化。",
        ),
    },
    "registration_ticket": {
        "en": (
            "Your sign-up problem ({reference})",
            "Hello,\n\nthanks for telling us that signing up with {email} didn't work. We've "
            "passed it to our support team (reference {reference}); they'll look into it "
            "within one working day and reply to this address.\n\nIf you didn't ask for "
            "this, ignore this e-mail.",
        ),
        "zh": (
            "您的注册问题（{reference}）",
            "您好：\n\n感谢您告诉我们使用 {email} 注册时遇到的问题。我们已将其转交给客服团队"
            "（编号 {reference}），他们会在一个工作日内处理并回复到此邮箱。\n\n如果不是您"
            "本人操作，请忽略本邮件。",
        ),
    },
    "email_change_taken": {
        "en": (
            "A request to use {email} for another account",
            "Hello {name},\n\nwe were asked in our chat to make {email} the e-mail address of "
            "another Gift Shop account. This address already belongs to your account, so "
            "nothing was changed: an address can only be used by one account.\n\nIf that was "
            "you, keep using this account or choose a different address for the other one. "
            "If it wasn't you, ignore this e-mail: your account stays as it is.",
        ),
        "zh": (
            "有人请求将 {email} 用于另一个账户",
            "{name}，您好：\n\n我们在聊天中收到请求，要将 {email} 设为另一个礼品店账户的邮箱。"
            "该邮箱已关联您的账户，因此没有做任何更改：一个邮箱只能用于一个账户。\n\n如果是"
            "您本人操作，请继续使用本账户，或为另一个账户换用其他邮箱。如果不是您本人操作，"
            "请忽略本邮件，您的账户保持不变。",
        ),
    },
    "deletion_requested": {
        "en": (
            "We received your request to delete your account ({reference})",
            "Hello {name},\n\nwe received your request to delete your account and personal "
            "data (reference {reference}). We will complete it by {due_date} and confirm by "
            "e-mail. Orders already on their way are still delivered; invoices are kept as "
            "the law requires, without your other personal data.\n\nChanged your mind? "
            "Reply to this e-mail or contact us before then, quoting {reference}.",
        ),
        "zh": (
            "我们已收到您的账户注销申请（{reference}）",
            "{name}，您好：\n\n我们已收到您注销账户并删除个人数据的申请（编号 {reference}），"
            "将在 {due_date} 前完成并通过邮件通知您。已发出的订单仍会正常送达；按照法律要求，"
            "发票会被保留，但不含您的其他个人信息。\n\n如果改变主意，请在此之前回复本邮件或"
            "联系我们，并提供编号 {reference}。",
        ),
    },
}

NEWSLETTER_LINE = {
    "en": "\n\nYou're subscribed to our newsletter; every issue has an unsubscribe link.",
    "zh": "\n\n您已订阅我们的新闻邮件，每封邮件中都有退订链接。",
}


def email_language(value: object) -> str:
    """``"zh"`` for Chinese, else ``"en"`` (accepts the enum or its value)."""
    return Language.ZH.value if str(value) == Language.ZH.value else Language.EN.value


def queue_email(
    uow: UnitOfWork, *, to: str, template: str, language: object, **values: Any
) -> OutboxMessage:
    """Render ``template`` in ``language`` and stage it in the outbox for ``to``."""
    lang = email_language(language)
    subject, body = TEMPLATES[template][lang]
    rendered_subject = subject.format(**values)[:200]
    message = OutboxMessage(
        channel=OutboxChannel.EMAIL,
        recipient=to,
        subject=rendered_subject,
        body=body.format(**values) + SIGNATURE[lang],
        template=template,
        payload=_payload(values, lang),
        status=OutboxStatus.PENDING,
        attempts=0,
    )
    uow.outbox.add(message)
    return message


# values that must stay in the rendered body only (the payload is for the mailer's logs)
_SECRET_VALUES = frozenset({"code", "link"})


def _payload(values: Mapping[str, Any], language: str) -> Dict[str, Any]:
    payload: Dict[str, Any] = {"language": language}
    for key, value in values.items():
        if key not in _SECRET_VALUES and key != "newsletter_line":
            payload[key] = value if isinstance(value, (int, bool)) else str(value)
    return payload
