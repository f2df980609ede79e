/*!
 * ShopChat — the shop's bilingual (English / 简体中文) chat widget.
 *
 * Plain JavaScript, no build step, no dependencies. Embed with:
 *
 *   <link rel="stylesheet" href="/static/widget/widget.css">
 *   <script src="/static/widget/widget.js" defer></script>
 *   ... then, from a script file (CSP: no inline scripts):
 *   window.ShopChat.init({ rasaUrl: "http://127.0.0.1:5005", open: false });
 *
 * Options: rasaUrl (required), container (Element or CSS selector to mount into; default
 * document.body), open (boolean, open the panel on load; default false), liveUrl (base URL
 * of the web app's live-handoff endpoints; default "" = this page's origin).
 *
 * Live handoff: when the bot hands the chat to a person it sends {custom: {handoff: ...}};
 * the widget then listens on GET {liveUrl}/api/chat/{uuid}/events (Server-Sent Events:
 * message, agent_joined, agent_left, typing, csat, handoff_ended) until the handoff ends,
 * in every tab of the conversation (events are de-duplicated by id), across reloads.
 * The 1-5 rating is POSTed to {liveUrl}/api/chat/{uuid}/csat.
 *
 * Channel contract: POST {rasaUrl}/webhooks/website/webhook with
 *   {"sender": uuid, "message": text, "metadata": {"language": "en"|"zh", "page": pathname}}
 * 200 -> array of {recipient_id, text?, buttons?, image?, custom?};
 * 4xx -> {"error": code, "message": bilingual text}; 429 rate limited; 5xx / network -> retry.
 *
 * Security: every piece of message data is rendered with textContent / createTextNode;
 * nothing from the server or from localStorage ever reaches innerHTML.
 */
(function (window, document) {
  "use strict";

  var MAX_LENGTH = 2000;
  var COUNTER_FROM = 1500;
  var MAX_ENTRIES = 200;
  var REQUEST_TIMEOUT_MS = 30000;
  var WEBHOOK_PATH = "/webhooks/website/webhook";
  var KEY_PREFIX = "shopchat:v1:";
  var KEYS = {
    conversation: KEY_PREFIX + "conversation",
    transcript: KEY_PREFIX + "transcript",
    language: KEY_PREFIX + "language",
    live: KEY_PREFIX + "live",
  };
  var LANGUAGES = ["en", "zh"];
  var UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  var SVG_NS = "http://www.w3.org/2000/svg";

  var STRINGS = {
    en: {
      htmlLang: "en",
      title: "Shop assistant",
      subtitle: "Orders · Delivery · Returns",
      open: "Open chat",
      close: "Close chat",
      placeholder: "Type your message…",
      inputLabel: "Your message",
      send: "Send",
      newConversation: "New conversation",
      languageLabel: "切换到中文 (Switch to Chinese)",
      typing: "The assistant is typing…",
      empty: "Hi! How can we help you today? You can write in English or 中文.",
      network:
        "We couldn't reach the assistant. Your message is still in the box — please try again.",
      rateLimited: "You're sending messages too quickly. Please wait a moment and try again.",
      badRequest: "That message couldn't be sent. Please check it and try again.",
      tooLong: "Your message is too long (maximum " + MAX_LENGTH + " characters).",
      retry: "Try again",
      agentJoined: "{name} joined the conversation",
      agentLeft: "{name} left the conversation",
      agentFallback: "An agent",
      messages: "Conversation",
      agentTyping: "{name} is typing…",
      csatQuestion: "How would you rate the help you got today? (1 = poor, 5 = excellent)",
      csatThanks: "Thank you for your rating: {score}/5.",
      csatFailed: "We couldn't save your rating. Please try again.",
    },
    zh: {
      htmlLang: "zh-Hans",
      title: "购物助手",
      subtitle: "订单 · 配送 · 退货",
      open: "打开聊天",
      close: "关闭聊天",
      placeholder: "请输入您的消息…",
      inputLabel: "您的消息",
      send: "发送",
      newConversation: "新对话",
      languageLabel: "Switch to English（切换到英文）",
      typing: "助手正在输入…",
      empty: "您好！请问有什么可以帮您？您可以使用中文或 English。",
      network: "暂时无法连接到助手。您的消息仍保留在输入框中，请稍后重试。",
      rateLimited: "您发送消息的速度太快了，请稍候再试。",
      badRequest: "该消息无法发送，请检查后重试。",
      tooLong: "消息过长（最多 " + MAX_LENGTH + " 个字符）。",
      retry: "重试",
      agentJoined: "{name} 加入了对话",
      agentLeft: "{name} 离开了对话",
      agentFallback: "客服",
      messages: "对话记录",
      agentTyping: "{name} 正在输入…",
      csatQuestion: "请为本次人工服务打分（1 = 很差，5 = 非常好）",
      csatThanks: "感谢您的评分：{score}/5。",
      csatFailed: "评分未能保存，请重试。",
    },
  };

  // ---------------------------------------------------------------- helpers

  function createStore() {
    var memory = {};
    var local = null;
    try {
      local = window.localStorage;
      local.setItem(KEY_PREFIX + "probe", "1");
      local.removeItem(KEY_PREFIX + "probe");
    } catch (err) {
      local = null; // private mode / disabled storage: fall back to memory only
    }
    return {
      available: local !== null,
      get: function (key) {
        if (local) {
          try {
            return local.getItem(key);
          } catch (err) {
            /* fall through to memory */
          }
        }
        return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
      },
      set: function (key, value) {
        memory[key] = value;
        if (local) {
          try {
            local.setItem(key, value);
          } catch (err) {
            /* quota exceeded: the in-memory copy still works for this tab */
          }
        }
      },
      remove: function (key) {
        delete memory[key];
        if (local) {
          try {
            local.removeItem(key);
          } catch (err) {
            /* ignore */
          }
        }
      },
    };
  }

  function uuid4() {
    var cryptoObj = window.crypto;
    if (cryptoObj && typeof cryptoObj.randomUUID === "function") {
      return cryptoObj.randomUUID();
    }
    var bytes = new Uint8Array(16);
    if (cryptoObj && typeof cryptoObj.getRandomValues === "function") {
      cryptoObj.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      })
      .join("");
    return [
      hex.slice(0, 8),
      hex.slice(8, 12),
      hex.slice(12, 16),
      hex.slice(16, 20),
      hex.slice(20),
    ].join("-");
  }

  function localId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  /** Length in Unicode code points (what the server counts), not UTF-16 units. */
  function codePointLength(text) {
    return Array.from(text).length;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function normaliseLanguage(value) {
    if (typeof value !== "string") return null;
    var lower = value.toLowerCase();
    if (lower.indexOf("zh") === 0) return "zh";
    if (lower.indexOf("en") === 0) return "en";
    return null;
  }

  function safeImageUrl(value) {
    if (typeof value !== "string" || !value) return "";
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
    } catch (err) {
      return "";
    }
  }

  /** Build an element. Attributes via setAttribute, text via textContent only. */
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === false || value === null || value === undefined) return;
        node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function icon(paths, className) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "24");
    svg.setAttribute("height", "24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", className || "shopchat-icon");
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }

  var ICONS = {
    chat: [
      "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6" +
        "A.5.5 0 0 1 5 19.2V16h1.5H6.5A2.5 2.5 0 0 1 4 13.5z",
    ],
    close: ["M6 6l12 12", "M18 6L6 18"],
    refresh: ["M20 11a8 8 0 1 0-2.3 5.7", "M20 4v7h-7"],
    send: ["M4 12l16-8-6 16-2.5-6.5z", "M11.5 13.5L20 4"],
  };

  // ------------------------------------------------------- message mapping

  function sanitiseButtons(value) {
    if (!Array.isArray(value)) return [];
    var out = [];
    value.forEach(function (button) {
      if (!button || typeof button !== "object") return;
      var payload = typeof button.payload === "string" ? button.payload : "";
      var title = typeof button.title === "string" && button.title ? button.title : payload;
      var url = typeof button.url === "string" ? button.url : "";
      if (payload) {
        out.push({ title: title, payload: payload });
      } else if (/^https?:\/\//i.test(url)) {
        out.push({ title: title || url, url: url }); // a link button (e.g. an invoice)
      }
    });
    return out;
  }

  /** Map one channel message to zero or more transcript entries. */
  function entriesFromBotMessage(message) {
    if (!message || typeof message !== "object") return [];
    var custom = message.custom && typeof message.custom === "object" ? message.custom : {};
    var agent = typeof custom.agent_name === "string" ? custom.agent_name.trim() : "";
    var out = [];
    if (custom.event === "agent_joined" || custom.event === "agent_left") {
      out.push({ id: localId(), from: "system", event: custom.event, agent: agent });
    }
    var text = "";
    if (typeof message.text === "string") text = message.text;
    else if (typeof custom.text === "string") text = custom.text;
    var buttons = sanitiseButtons(message.buttons);
    var image = safeImageUrl(message.image);
    if (text || buttons.length || image) {
      out.push({
        id: localId(),
        from: agent ? "agent" : "bot",
        agent: agent,
        text: text,
        buttons: buttons,
        image: image,
        used: false,
      });
    }
    return out;
  }

  /** Validate entries read back from storage (it may be stale or tampered with). */
  function sanitiseEntry(entry) {
    if (!entry || typeof entry !== "object" || typeof entry.id !== "string") return null;
    var from = entry.from;
    if (["user", "bot", "agent", "system", "csat"].indexOf(from) === -1) return null;
    var clean = {
      id: entry.id,
      from: from,
      text: typeof entry.text === "string" ? entry.text : "",
      agent: typeof entry.agent === "string" ? entry.agent : "",
      buttons: sanitiseButtons(entry.buttons),
      image: safeImageUrl(entry.image),
      used: entry.used === true,
    };
    if (from === "system") {
      if (entry.event !== "agent_joined" && entry.event !== "agent_left") return null;
      clean.event = entry.event;
    }
    if (from === "csat") {
      var score = Number(entry.score);
      clean.score = score >= 1 && score <= 5 && Math.floor(score) === score ? score : 0;
    }
    return clean;
  }

  // ----------------------------------------------------------------- widget

  function ShopChatWidget(options) {
    var rasaUrl = typeof options.rasaUrl === "string" ? options.rasaUrl.trim() : "";
    if (!rasaUrl) throw new Error("ShopChat.init: rasaUrl is required");
    this.endpoint = rasaUrl.replace(/\/+$/, "") + WEBHOOK_PATH;
    this.store = createStore();
    this.busy = false;
    this.pending = null; // the optimistic customer entry of the request in flight
    this.inflight = null; // {controller, conversationId}
    this.lastFailure = null; // what "Try again" re-sends
    this.nodes = new Map(); // entry id -> rendered node
    this.liveBase = (typeof options.liveUrl === "string" ? options.liveUrl.trim() : "").replace(
      /\/+$/,
      "",
    );
    this.live = null; // {source, conversationId} while a handoff is live
    this.agentTypingTimer = null;
    this.isOpen = false;
    this.language = this.initialLanguage();
    this.build(options.container);
    this.applyLanguage(this.language, false);
    this.render(true);
    this.bindEvents();
    if (options.open) this.open({ focus: false });
    this.resumeLive();
  }

  ShopChatWidget.prototype.initialLanguage = function () {
    var stored = normaliseLanguage(this.store.get(KEYS.language));
    if (stored) return stored;
    var nav = window.navigator || {};
    return normaliseLanguage(nav.language) === "zh" ? "zh" : "en";
  };

  ShopChatWidget.prototype.t = function (key) {
    return STRINGS[this.language][key];
  };

  // --- persistent state

  ShopChatWidget.prototype.conversationId = function () {
    var id = this.store.get(KEYS.conversation);
    if (!id || !UUID_RE.test(id)) {
      id = uuid4();
      this.store.set(KEYS.conversation, id);
    }
    return id;
  };

  ShopChatWidget.prototype.loadTranscript = function () {
    var raw = this.store.get(KEYS.transcript);
    if (!raw) return [];
    try {
      var parsed = JSON.parse(raw);
      if (!Array.isArray(parsed)) return [];
      return parsed.map(sanitiseEntry).filter(Boolean);
    } catch (err) {
      return [];
    }
  };

  ShopChatWidget.prototype.saveTranscript = function (entries) {
    this.store.set(KEYS.transcript, JSON.stringify(entries.slice(-MAX_ENTRIES)));
  };

  // --- DOM

  ShopChatWidget.prototype.build = function (container) {
    var host = container;
    if (typeof host === "string") host = document.querySelector(host);
    if (!host || typeof host.appendChild !== "function") host = document.body;

    var uid = "shopchat-" + Math.random().toString(36).slice(2, 8);
    var root = el("div", { class: "shopchat", "data-shopchat": "" });

    var launcher = el("button", {
      type: "button",
      class: "shopchat-launcher",
      "data-testid": "chat-launcher",
      "aria-expanded": "false",
      "aria-controls": uid + "-panel",
    });
    launcher.appendChild(icon(ICONS.chat, "shopchat-icon shopchat-icon-chat"));
    launcher.appendChild(icon(ICONS.close, "shopchat-icon shopchat-icon-close"));

    var panel = el("section", {
      id: uid + "-panel",
      class: "shopchat-panel",
      "data-testid": "chat-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": uid + "-title",
      hidden: true,
    });

    var header = el("header", { class: "shopchat-header" });
    var heading = el("div", { class: "shopchat-heading" });
    var title = el("h2", { id: uid + "-title", class: "shopchat-title" });
    var subtitle = el("p", { class: "shopchat-subtitle" });
    heading.appendChild(title);
    heading.appendChild(subtitle);

    var actions = el("div", { class: "shopchat-actions" });
    var langToggle = el("button", {
      type: "button",
      class: "shopchat-lang",
      "data-testid": "lang-toggle",
    });
    var langEn = el("span", { class: "shopchat-lang-option", lang: "en" }, "EN");
    var langZh = el("span", { class: "shopchat-lang-option", lang: "zh-Hans" }, "中文");
    langToggle.appendChild(langEn);
    langToggle.appendChild(langZh);
    var resetButton = el("button", {
      type: "button",
      class: "shopchat-icon-button",
      "data-testid": "new-conversation",
    });
    resetButton.appendChild(icon(ICONS.refresh));
    var closeButton = el("button", {
      type: "button",
      class: "shopchat-icon-button",
      "data-testid": "chat-close",
    });
    closeButton.appendChild(icon(ICONS.close));
    actions.appendChild(langToggle);
    actions.appendChild(resetButton);
    actions.appendChild(closeButton);
    header.appendChild(heading);
    header.appendChild(actions);

    var messages = el("div", {
      class: "shopchat-messages",
      "data-testid": "chat-messages",
      tabindex: "0",
    });
    var emptyState = el("p", { class: "shopchat-empty", "data-testid": "chat-empty" });
    var list = el("div", {
      class: "shopchat-list",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
    });
    var typing = el("div", {
      class: "shopchat-row shopchat-row-bot shopchat-typing",
      "data-testid": "typing",
      role: "status",
      hidden: true,
    });
    var typingBubble = el("div", { class: "shopchat-bubble shopchat-typing-bubble" });
    for (var i = 0; i < 3; i += 1) {
      typingBubble.appendChild(el("span", { class: "shopchat-dot", "aria-hidden": "true" }));
    }
    var typingLabel = el("span", { class: "shopchat-sr-only" });
    typingBubble.appendChild(typingLabel);
    typing.appendChild(typingBubble);
    messages.appendChild(emptyState);
    messages.appendChild(list);
    messages.appendChild(typing);

    var error = el("div", {
      class: "shopchat-error",
      "data-testid": "chat-error",
      role: "alert",
      hidden: true,
    });
    var errorText = el("span", { class: "shopchat-error-text" });
    var retryButton = el("button", {
      type: "button",
      class: "shopchat-retry",
      "data-testid": "chat-retry",
      hidden: true,
    });
    error.appendChild(errorText);
    error.appendChild(retryButton);

    var form = el("form", { class: "shopchat-composer", novalidate: true });
    var inputLabel = el("label", { class: "shopchat-sr-only", for: uid + "-input" });
    var input = el("textarea", {
      id: uid + "-input",
      class: "shopchat-input",
      "data-testid": "chat-input",
      rows: "1",
      autocomplete: "off",
      "aria-describedby": uid + "-counter",
    });
    var send = el("button", {
      type: "submit",
      class: "shopchat-send",
      "data-testid": "chat-send",
      disabled: true,
    });
    var sendLabel = el("span", { class: "shopchat-send-label" });
    send.appendChild(icon(ICONS.send));
    send.appendChild(sendLabel);
    var counter = el("div", {
      id: uid + "-counter",
      class: "shopchat-counter",
      "data-testid": "chat-counter",
      "aria-live": "polite",
      hidden: true,
    });
    form.appendChild(inputLabel);
    form.appendChild(input);
    form.appendChild(send);
    form.appendChild(counter);

    panel.appendChild(header);
    panel.appendChild(messages);
    panel.appendChild(error);
    panel.appendChild(form);
    root.appendChild(panel);
    root.appendChild(launcher);
    host.appendChild(root);

    this.ui = {
      root: root,
      launcher: launcher,
      panel: panel,
      title: title,
      subtitle: subtitle,
      langToggle: langToggle,
      langEn: langEn,
      langZh: langZh,
      resetButton: resetButton,
      closeButton: closeButton,
      messages: messages,
      emptyState: emptyState,
      list: list,
      typing: typing,
      typingLabel: typingLabel,
      error: error,
      errorText: errorText,
      retryButton: retryButton,
      form: form,
      inputLabel: inputLabel,
      input: input,
      send: send,
      sendLabel: sendLabel,
      counter: counter,
    };
  };

  ShopChatWidget.prototype.bindEvents = function () {
    var self = this;
    var ui = this.ui;
    ui.launcher.addEventListener("click", function () {
      self.toggle();
    });
    ui.closeButton.addEventListener("click", function () {
      self.close();
    });
    ui.langToggle.addEventListener("click", function () {
      self.setLanguage(self.language === "en" ? "zh" : "en");
    });
    ui.resetButton.addEventListener("click", function () {
      self.newConversation();
    });
    ui.retryButton.addEventListener("click", function () {
      self.retry();
    });
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submitInput();
    });
    ui.input.addEventListener("keydown", function (event) {
      // Never send while an IME (e.g. pinyin) is composing: Enter confirms the candidate.
      if (event.isComposing || event.keyCode === 229) return;
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        self.submitInput();
      }
    });
    ui.input.addEventListener("input", function () {
      self.updateComposer();
    });
    ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        self.close();
      }
    });
    window.addEventListener("storage", function (event) {
      self.onStorage(event);
    });
  };

  ShopChatWidget.prototype.onStorage = function (event) {
    if (event.key === null) {
      // storage.clear() in another tab
      this.abortInflight();
      this.applyLanguage(this.initialLanguage(), false);
      this.render(true);
      return;
    }
    if (event.key === KEYS.language) {
      var lang = normaliseLanguage(event.newValue);
      if (lang && lang !== this.language) this.applyLanguage(lang, false);
    } else if (event.key === KEYS.conversation) {
      // Another tab started a new conversation: follow it.
      this.stopLive(false);
      this.abortInflight();
      this.hideError();
      this.render(true);
    } else if (event.key === KEYS.transcript) {
      this.render(true);
    } else if (event.key === KEYS.live) {
      // another tab started or ended a live handoff
      if (event.newValue) this.resumeLive();
      else this.stopLive(false);
    }
  };

  // --- open / close

  ShopChatWidget.prototype.open = function (opts) {
    this.isOpen = true;
    this.ui.panel.hidden = false;
    this.ui.root.classList.add("shopchat-is-open");
    this.ui.launcher.setAttribute("aria-expanded", "true");
    this.ui.launcher.setAttribute("aria-label", this.t("close"));
    this.scrollToBottom();
    if (!opts || opts.focus !== false) this.ui.input.focus();
  };

  ShopChatWidget.prototype.close = function () {
    var hadFocus = this.ui.panel.contains(document.activeElement);
    this.isOpen = false;
    this.ui.panel.hidden = true;
    this.ui.root.classList.remove("shopchat-is-open");
    this.ui.launcher.setAttribute("aria-expanded", "false");
    this.ui.launcher.setAttribute("aria-label", this.t("open"));
    if (hadFocus) this.ui.launcher.focus();
  };

  ShopChatWidget.prototype.toggle = function () {
    if (this.isOpen) this.close();
    else this.open();
  };

  // --- language

  ShopChatWidget.prototype.setLanguage = function (lang) {
    var value = normaliseLanguage(lang);
    if (!value) return;
    this.applyLanguage(value, true);
  };

  ShopChatWidget.prototype.applyLanguage = function (lang, persist) {
    this.language = LANGUAGES.indexOf(lang) === -1 ? "en" : lang;
    if (persist) this.store.set(KEYS.language, this.language);
    var ui = this.ui;
    ui.root.setAttribute("lang", this.t("htmlLang"));
    ui.root.setAttribute("data-language", this.language);
    ui.title.textContent = this.t("title");
    ui.subtitle.textContent = this.t("subtitle");
    ui.panel.setAttribute("aria-label", this.t("title"));
    ui.launcher.setAttribute("aria-label", this.isOpen ? this.t("close") : this.t("open"));
    ui.langToggle.setAttribute("aria-label", this.t("languageLabel"));
    ui.langToggle.setAttribute("title", this.t("languageLabel"));
    ui.langEn.classList.toggle("shopchat-lang-active", this.language === "en");
    ui.langZh.classList.toggle("shopchat-lang-active", this.language === "zh");
    ui.resetButton.setAttribute("aria-label", this.t("newConversation"));
    ui.resetButton.setAttribute("title", this.t("newConversation"));
    ui.closeButton.setAttribute("aria-label", this.t("close"));
    ui.closeButton.setAttribute("title", this.t("close"));
    ui.list.setAttribute("aria-label", this.t("messages"));
    ui.emptyState.textContent = this.t("empty");
    ui.typingLabel.textContent = this.t("typing");
    ui.input.setAttribute("placeholder", this.t("placeholder"));
    ui.inputLabel.textContent = this.t("inputLabel");
    ui.sendLabel.textContent = this.t("send");
    ui.send.setAttribute("aria-label", this.t("send"));
    ui.retryButton.textContent = this.t("retry");
    if (this.errorKey) ui.errorText.textContent = this.t(this.errorKey);
    this.updateComposer();
    this.render(false); // system lines ("… joined") are language dependent
  };

  // --- rendering

  ShopChatWidget.prototype.visibleEntries = function () {
    var entries = this.loadTranscript();
    if (this.pending) entries.push(this.pending);
    return entries;
  };

  ShopChatWidget.prototype.signature = function (entry) {
    var localised = ["system", "agent", "csat"].indexOf(entry.from) !== -1;
    var lang = localised ? this.language : "";
    var score = entry.from === "csat" ? entry.score || 0 : "";
    return [entry.from, entry.used ? 1 : 0, entry.pending ? 1 : 0, lang, score].join("|");
  };

  /** The 1-5 rating prompt after an agent resolved the conversation. */
  ShopChatWidget.prototype.buildCsat = function (entry) {
    var self = this;
    var row = el("div", {
      class: "shopchat-row shopchat-row-bot shopchat-csat",
      "data-testid": "csat",
    });
    var body = el("div", { class: "shopchat-body" });
    if (entry.score) {
      body.appendChild(
        el(
          "div",
          { class: "shopchat-bubble shopchat-text", "data-testid": "csat-thanks" },
          format(this.t("csatThanks"), { score: entry.score }),
        ),
      );
      row.appendChild(body);
      return row;
    }
    body.appendChild(el("div", { class: "shopchat-bubble shopchat-text" }, this.t("csatQuestion")));
    var chips = el("div", { class: "shopchat-chips", role: "group" });
    [1, 2, 3, 4, 5].forEach(function (score) {
      var chip = el("button", {
        type: "button",
        class: "shopchat-chip shopchat-chip-score",
        "data-testid": "csat-score",
        "aria-label": score + " / 5",
      });
      chip.textContent = String(score);
      chip.addEventListener("click", function () {
        self.sendRating(entry.id, score, chips);
      });
      chips.appendChild(chip);
    });
    body.appendChild(chips);
    row.appendChild(body);
    return row;
  };

  ShopChatWidget.prototype.buildEntry = function (entry) {
    var self = this;
    if (entry.from === "csat") return this.buildCsat(entry);
    if (entry.from === "system") {
      var name = entry.agent || this.t("agentFallback");
      var key = entry.event === "agent_joined" ? "agentJoined" : "agentLeft";
      var line = el("div", { class: "shopchat-system", "data-testid": "msg-system" });
      line.appendChild(el("span", null, format(this.t(key), { name: name })));
      return line;
    }
    var isUser = entry.from === "user";
    var row = el("div", {
      class: "shopchat-row " + (isUser ? "shopchat-row-user" : "shopchat-row-bot"),
      "data-testid": isUser ? "msg-user" : "msg-bot",
      "data-sender": entry.from,
    });
    if (entry.pending) row.classList.add("shopchat-pending");
    var body = el("div", { class: "shopchat-body" });
    if (entry.from === "agent") {
      body.appendChild(
        el(
          "div",
          { class: "shopchat-agent-name", "data-testid": "agent-name" },
          entry.agent || this.t("agentFallback"),
        ),
      );
    }
    if (entry.text) {
      body.appendChild(el("div", { class: "shopchat-bubble shopchat-text" }, entry.text));
    }
    if (entry.image) {
      var img = el("img", { class: "shopchat-image", alt: "", loading: "lazy" });
      img.src = entry.image; // validated http(s) URL, set as a property
      body.appendChild(img);
    }
    if (entry.buttons && entry.buttons.length) {
      var chips = el("div", { class: "shopchat-chips", role: "group" });
      entry.buttons.forEach(function (button) {
        if (button.url) {
          var link = el("a", {
            class: "shopchat-chip shopchat-link",
            "data-testid": "link-button",
            target: "_blank",
            rel: "noopener noreferrer",
          });
          link.href = button.url; // http(s) only, checked in sanitiseButtons
          link.textContent = button.title;
          chips.appendChild(link);
          return;
        }
        var chip = el("button", {
          type: "button",
          class: "shopchat-chip",
          "data-testid": "quick-reply",
          "data-entry": entry.id,
        });
        chip.textContent = button.title;
        chip.disabled = entry.used || self.busy;
        if (entry.used) chip.classList.add("shopchat-chip-used");
        chip.addEventListener("click", function () {
          self.sendQuickReply(entry.id, button);
        });
        chips.appendChild(chip);
      });
      body.appendChild(chips);
    }
    row.appendChild(body);
    return row;
  };

  /**
   * Bring the message list in line with storage (+ the pending entry) by reusing, adding
   * and removing nodes rather than rebuilding, so screen readers only announce additions.
   */
  ShopChatWidget.prototype.render = function (scroll) {
    var self = this;
    var list = this.ui.list;
    var entries = this.visibleEntries();
    var wanted = new Set(
      entries.map(function (entry) {
        return entry.id;
      }),
    );
    this.nodes.forEach(function (node, id) {
      if (!wanted.has(id)) {
        node.remove();
        self.nodes.delete(id);
      }
    });
    var added = false;
    var previous = null;
    entries.forEach(function (entry) {
      var sig = self.signature(entry);
      var node = self.nodes.get(entry.id);
      if (node && node.shopchatSig !== sig) {
        var fresh = self.buildEntry(entry);
        fresh.shopchatSig = sig;
        node.replaceWith(fresh);
        node = fresh;
        self.nodes.set(entry.id, node);
      }
      if (!node) {
        node = self.buildEntry(entry);
        node.shopchatSig = sig;
        self.nodes.set(entry.id, node);
        added = true;
      }
      var expected = previous ? previous.nextSibling : list.firstChild;
      if (node !== expected) list.insertBefore(node, expected);
      previous = node;
    });
    this.ui.emptyState.hidden = entries.length > 0;
    this.syncChips();
    if (scroll || added) this.scrollToBottom();
  };

  ShopChatWidget.prototype.syncChips = function () {
    var busy = this.busy;
    var chips = this.ui.list.querySelectorAll(".shopchat-chip");
    Array.prototype.forEach.call(chips, function (chip) {
      chip.disabled = busy || chip.classList.contains("shopchat-chip-used");
    });
  };

  ShopChatWidget.prototype.scrollToBottom = function () {
    var messages = this.ui.messages;
    messages.scrollTop = messages.scrollHeight;
  };

  // --- composer

  ShopChatWidget.prototype.updateComposer = function () {
    var ui = this.ui;
    var text = ui.input.value.trim();
    var length = codePointLength(text);
    var tooLong = length > MAX_LENGTH;
    ui.send.disabled = this.busy || length === 0 || tooLong;
    ui.counter.hidden = length < COUNTER_FROM;
    ui.counter.classList.toggle("shopchat-counter-over", tooLong);
    ui.counter.textContent =
      length + " / " + MAX_LENGTH + (tooLong ? " — " + this.t("tooLong") : "");
    ui.input.setAttribute("aria-invalid", tooLong ? "true" : "false");
    // Auto-grow up to the CSS max-height.
    ui.input.style.height = "auto";
    ui.input.style.height = ui.input.scrollHeight + "px";
  };

  ShopChatWidget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.ui.typing.hidden = !busy;
    this.ui.panel.setAttribute("aria-busy", busy ? "true" : "false");
    this.syncChips();
    this.updateComposer();
    if (busy) this.scrollToBottom();
  };

  ShopChatWidget.prototype.showError = function (key, serverMessage, retryable) {
    this.errorKey = serverMessage ? null : key;
    this.ui.errorText.textContent = serverMessage || this.t(key);
    this.ui.retryButton.hidden = !retryable;
    this.ui.error.hidden = false;
  };

  ShopChatWidget.prototype.hideError = function () {
    this.errorKey = null;
    this.lastFailure = null;
    this.ui.error.hidden = true;
    this.ui.errorText.textContent = "";
  };

  // --- sending

  ShopChatWidget.prototype.submitInput = function () {
    if (this.busy) return false; // keep the text; the user can keep typing
    var text = this.ui.input.value.trim();
    if (!text) return false;
    if (codePointLength(text) > MAX_LENGTH) {
      this.showError("tooLong", null, false);
      return false;
    }
    this.ui.input.value = "";
    this.updateComposer();
    this.dispatch({ kind: "input", message: text, display: text });
    return true;
  };

  ShopChatWidget.prototype.sendQuickReply = function (entryId, button) {
    if (this.busy) return false;
    this.dispatch({
      kind: "chip",
      message: button.payload,
      display: button.title,
      entryId: entryId,
      button: button,
    });
    return true;
  };

  ShopChatWidget.prototype.retry = function () {
    var failure = this.lastFailure;
    if (!failure || this.busy) return;
    if (failure.kind === "chip") this.sendQuickReply(failure.entryId, failure.button);
    else this.submitInput();
  };

  ShopChatWidget.prototype.abortInflight = function () {
    if (this.inflight) {
      this.inflight.reset = true;
      this.inflight.controller.abort();
    }
  };

  ShopChatWidget.prototype.dispatch = function (request) {
    var self = this;
    var conversationId = this.conversationId();
    this.hideError();
    this.pending = {
      id: localId(),
      from: "user",
      text: request.display,
      buttons: [],
      image: "",
      agent: "",
      used: false,
      pending: true,
    };
    if (request.kind === "chip") this.markChipsUsed(request.entryId, true);
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var inflight = { controller: controller || { abort: function () {} }, reset: false };
    this.inflight = inflight;
    this.setBusy(true);
    this.render(true);
    var timer = window.setTimeout(function () {
      if (controller) controller.abort();
    }, REQUEST_TIMEOUT_MS);

    var body = JSON.stringify({
      sender: conversationId,
      message: request.message,
      metadata: { language: this.language, page: window.location.pathname },
    });

    return window
      .fetch(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          // the scale profile's proxy keeps a conversation on one Rasa replica by this id
          "X-Conversation-Id": conversationId,
        },
        body: body,
        signal: controller ? controller.signal : undefined,
        credentials: "omit",
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            return { response: response, data: data };
          });
      })
      .then(function (result) {
        if (inflight.reset || self.conversationId() !== conversationId) {
          throw { reset: true };
        }
        if (!result.response.ok) throw { status: result.response.status, data: result.data };
        self.commit(request, Array.isArray(result.data) ? result.data : []);
      })
      .catch(function (failure) {
        self.fail(request, failure || {}, inflight.reset);
      })
      .then(function () {
        window.clearTimeout(timer);
        if (self.inflight === inflight) self.inflight = null;
        self.setBusy(false);
      });
  };

  ShopChatWidget.prototype.markChipsUsed = function (entryId, used) {
    var chips = this.ui.list.querySelectorAll(".shopchat-chip");
    Array.prototype.forEach.call(chips, function (chip) {
      if (chip.getAttribute("data-entry") === entryId) {
        chip.classList.toggle("shopchat-chip-used", used);
      }
    });
    this.syncChips();
  };

  ShopChatWidget.prototype.commit = function (request, messages) {
    var entries = this.loadTranscript(); // re-read: another tab may have written meanwhile
    if (request.kind === "chip") {
      entries.forEach(function (entry) {
        if (entry.id === request.entryId) entry.used = true;
      });
    }
    var user = Object.assign({}, this.pending);
    delete user.pending;
    entries.push(user);
    var handoff = false;
    messages.forEach(function (message) {
      var custom = message && typeof message.custom === "object" ? message.custom : null;
      if (custom && custom.handoff) handoff = true;
      Array.prototype.push.apply(entries, entriesFromBotMessage(message));
    });
    this.pending = null;
    this.saveTranscript(entries);
    this.render(true);
    if (handoff) this.startLive();
  };

  ShopChatWidget.prototype.fail = function (request, failure, reset) {
    this.pending = null;
    if (request.kind === "input") {
      // Nothing is lost: put the text back (ahead of anything typed meanwhile).
      var current = this.ui.input.value;
      this.ui.input.value = current.trim() ? request.message + "\n" + current : request.message;
      this.updateComposer();
    } else {
      this.markChipsUsed(request.entryId, false);
    }
    this.render(true);
    if (reset || failure.reset) return;
    var data = failure.data && typeof failure.data === "object" ? failure.data : {};
    var serverMessage = typeof data.message === "string" && data.message ? data.message : null;
    var status = failure.status || 0;
    this.lastFailure = request;
    if (status === 429) {
      this.showError("rateLimited", serverMessage, true);
    } else if (status >= 400 && status < 500) {
      this.showError("badRequest", serverMessage, false);
    } else {
      this.showError("network", null, true); // network error, timeout or 5xx
    }
  };

  ShopChatWidget.prototype.newConversation = function () {
    this.stopLive(true);
    this.abortInflight();
    this.pending = null;
    this.store.set(KEYS.conversation, uuid4());
    this.store.remove(KEYS.transcript);
    this.hideError();
    this.render(true);
    this.ui.input.focus();
  };

  // ------------------------------------------------------------ live handoff

  ShopChatWidget.prototype.liveState = function () {
    var raw = this.store.get(KEYS.live);
    if (!raw) return null;
    try {
      var state = JSON.parse(raw);
      if (!state || typeof state !== "object" || !UUID_RE.test(String(state.conversation))) {
        return null;
      }
      var last = Number(state.lastEventId);
      return { conversation: state.conversation, lastEventId: last > 0 ? last : 0 };
    } catch (err) {
      return null;
    }
  };

  ShopChatWidget.prototype.saveLiveState = function (lastEventId) {
    var current = this.liveState();
    var last = Math.max(lastEventId || 0, current ? current.lastEventId : 0);
    this.store.set(
      KEYS.live,
      JSON.stringify({ conversation: this.conversationId(), lastEventId: last }),
    );
  };

  /** The bot handed the chat to a person: listen for the agent from now on. */
  ShopChatWidget.prototype.startLive = function () {
    if (!this.liveState()) this.saveLiveState(0);
    this.resumeLive();
  };

  /** (Re)connect if this conversation has a live handoff (after a reload, in other tabs). */
  ShopChatWidget.prototype.resumeLive = function () {
    var state = this.liveState();
    var conversationId = this.conversationId();
    if (!state || state.conversation !== conversationId) return;
    if (this.live && this.live.conversationId === conversationId) return;
    if (typeof window.EventSource !== "function") return;
    this.stopLive(false);
    var self = this;
    var url =
      this.liveBase +
      "/api/chat/" +
      encodeURIComponent(conversationId) +
      "/events?after=" +
      state.lastEventId;
    var source = new window.EventSource(url);
    this.live = { source: source, conversationId: conversationId };
    ["message", "agent_joined", "agent_left", "typing", "csat", "handoff_ended"].forEach(
      function (type) {
        source.addEventListener(type, function (event) {
          self.onLiveEvent(type, event);
        });
      },
    );
  };

  ShopChatWidget.prototype.stopLive = function (forget) {
    if (this.live) {
      this.live.source.close();
      this.live = null;
    }
    this.showAgentTyping(null);
    if (forget) this.store.remove(KEYS.live);
  };

  ShopChatWidget.prototype.onLiveEvent = function (type, event) {
    if (!this.live || this.conversationId() !== this.live.conversationId) return;
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (err) {
      return;
    }
    if (!data || typeof data !== "object") return;
    var eventId = Number(event.lastEventId) || 0;
    var name = typeof data.agent_name === "string" ? data.agent_name.trim().slice(0, 80) : "";
    if (type === "typing") {
      this.showAgentTyping(name || this.t("agentFallback"));
      return;
    }
    var entry = null;
    var id = "live-" + (eventId || localId());
    if (type === "message" && typeof data.text === "string" && data.text) {
      this.showAgentTyping(null);
      entry = { id: id, from: "agent", agent: name, text: data.text, buttons: [], image: "" };
    } else if (type === "agent_joined" || type === "agent_left") {
      entry = { id: id, from: "system", event: type, agent: name, text: "", buttons: [] };
    } else if (type === "csat") {
      entry = { id: id, from: "csat", text: "", agent: "", buttons: [], score: 0 };
    }
    if (entry) {
      var entries = this.loadTranscript(); // re-read: another tab may have added it already
      var known = entries.some(function (existing) {
        return existing.id === entry.id;
      });
      if (!known) {
        entries.push(entry);
        this.saveTranscript(entries);
      }
      this.render(true);
    }
    if (type === "handoff_ended") {
      this.stopLive(true);
      return;
    }
    if (eventId) this.saveLiveState(eventId);
  };

  ShopChatWidget.prototype.showAgentTyping = function (name) {
    var self = this;
    window.clearTimeout(this.agentTypingTimer);
    if (!name) {
      this.ui.typing.hidden = !this.busy;
      this.ui.typingLabel.textContent = this.t("typing");
      return;
    }
    this.ui.typing.hidden = false;
    this.ui.typingLabel.textContent = format(this.t("agentTyping"), { name: name });
    this.scrollToBottom();
    this.agentTypingTimer = window.setTimeout(function () {
      self.showAgentTyping(null);
    }, 5000);
  };

  ShopChatWidget.prototype.sendRating = function (entryId, score, chips) {
    var self = this;
    var conversationId = this.conversationId();
    Array.prototype.forEach.call(chips.querySelectorAll("button"), function (chip) {
      chip.disabled = true;
    });
    window
      .fetch(this.liveBase + "/api/chat/" + encodeURIComponent(conversationId) + "/csat", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ score: score }),
        credentials: "omit",
      })
      .then(function (response) {
        if (!response.ok) throw new Error("csat " + response.status);
        var entries = self.loadTranscript();
        entries.forEach(function (entry) {
          if (entry.id === entryId) entry.score = score;
        });
        self.saveTranscript(entries);
        self.hideError();
        self.render(true);
      })
      .catch(function () {
        Array.prototype.forEach.call(chips.querySelectorAll("button"), function (chip) {
          chip.disabled = false;
        });
        self.showError("csatFailed", null, false);
      });
  };

  // ------------------------------------------------------------ public API

  var instance = null;

  function publicApi(widget) {
    return {
      open: function () {
        widget.open();
      },
      close: function () {
        widget.close();
      },
      toggle: function () {
        widget.toggle();
      },
      setLanguage: function (lang) {
        widget.setLanguage(lang);
      },
      getLanguage: function () {
        return widget.language;
      },
      newConversation: function () {
        widget.newConversation();
      },
      getConversationId: function () {
        return widget.conversationId();
      },
      isLive: function () {
        return widget.live !== null;
      },
    };
  }

  window.ShopChat = {
    version: "1.0.0",
    /** Mount the widget once per page; later calls return the same instance. */
    init: function (options) {
      if (!instance) instance = publicApi(new ShopChatWidget(options || {}));
      return instance;
    },
    open: function () {
      if (instance) instance.open();
    },
  };
})(window, document);
