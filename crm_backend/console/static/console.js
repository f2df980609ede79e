/*
 * Support console: live queue and conversation view. Vanilla JS, no build step.
 * Every piece of customer or agent text is put into the page with textContent only.
 */
(function () {
  "use strict";

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var body = document.body;
  var myId = Number(body.getAttribute("data-staff-id") || 0);

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function toast(message, isError) {
    var box = document.querySelector(".toast");
    if (!box) return;
    box.textContent = message;
    box.classList.toggle("toast-error", !!isError);
    box.hidden = false;
    window.clearTimeout(toast.timer);
    toast.timer = window.setTimeout(function () {
      box.hidden = true;
    }, 4000);
  }

  function api(method, url, payload) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
    };
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    return fetch(url, options).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (!response.ok) {
            var error = new Error((data && data.message) || "Request failed (" + response.status + ")");
            error.status = response.status;
            throw error;
          }
          return data;
        });
    });
  }

  function waited(seconds) {
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
  }

  function humanise(text) {
    return String(text || "").replace(/_/g, " ");
  }

  function stream(onEvent, stateNode) {
    var source = new EventSource("/console/api/stream");
    ["queue", "activity"].forEach(function (type) {
      source.addEventListener(type, function (event) {
        var data;
        try {
          data = JSON.parse(event.data);
        } catch (err) {
          return;
        }
        onEvent(type, data);
      });
    });
    source.onopen = function () {
      if (stateNode) stateNode.textContent = "live";
      if (stateNode) stateNode.classList.add("is-live");
    };
    source.onerror = function () {
      if (stateNode) stateNode.textContent = "reconnecting…";
      if (stateNode) stateNode.classList.remove("is-live");
    };
    return source;
  }

  // ------------------------------------------------------------------ queue page

  function queuePage() {
    var tbody = document.querySelector("[data-queue-body]");
    var empty = document.querySelector("[data-queue-empty]");
    var count = document.querySelector('[data-testid="queue-count"]');
    var notifyButton = document.querySelector("[data-notify]");
    var seen = null;
    var lastText = {};

    if ("Notification" in window && Notification.permission === "default") {
      notifyButton.hidden = false;
      notifyButton.addEventListener("click", function () {
        Notification.requestPermission().then(function () {
          notifyButton.hidden = true;
        });
      });
    }

    function notify(item) {
      if (!("Notification" in window) || Notification.permission !== "granted") return;
      try {
        var note = new Notification("New chat waiting: " + item.reference, {
          body: humanise(item.reason) + " · " + item.priority,
          tag: "ticket-" + item.id,
        });
        note.onclick = function () {
          window.focus();
          window.location.href = "/console/conversations/" + encodeURIComponent(item.conversation_id);
        };
      } catch (err) {
        /* some browsers only allow notifications from a service worker */
      }
    }

    function render(items) {
      tbody.textContent = "";
      var waiting = 0;
      items.forEach(function (item) {
        if (item.status === "open") waiting += 1;
        var row = el("tr", "queue-row queue-" + item.priority);
        row.setAttribute("data-testid", "queue-item");
        row.setAttribute("data-ticket", String(item.id));
        row.appendChild(el("td")).appendChild(el("span", "pill prio-" + item.priority, item.priority));
        row.appendChild(el("td", null, item.reference));
        row.appendChild(el("td", null, humanise(item.reason)));
        row.appendChild(el("td", "waiting", waited(item.waiting_seconds)));
        var status = item.status === "assigned" ? "with " + (item.assignee_name || "an agent") : "waiting";
        row.appendChild(el("td", null, status));
        row.appendChild(el("td", "preview", lastText[item.conversation_id] || ""));
        var actions = row.appendChild(el("td")).appendChild(el("div", "row-actions"));
        var open = el("a", "button secondary", "Open");
        open.href = "/console/conversations/" + encodeURIComponent(item.conversation_id || "");
        actions.appendChild(open);
        if (item.status === "open") {
          var claim = el("button", "primary", "Claim");
          claim.type = "button";
          claim.setAttribute("data-testid", "queue-claim");
          claim.addEventListener("click", function () {
            claim.disabled = true;
            api("POST", "/console/api/tickets/" + item.id + "/claim")
              .then(function () {
                window.location.href = open.href;
              })
              .catch(function (error) {
                claim.disabled = false;
                toast(error.message, true);
              });
          });
          actions.appendChild(claim);
        }
        tbody.appendChild(row);
      });
      count.textContent = String(waiting);
      empty.hidden = items.length > 0;
      document.title = (waiting ? "(" + waiting + ") " : "") + "Queue · Shop support console";
    }

    var current = [];
    stream(function (type, data) {
      if (type === "queue") {
        current = Array.isArray(data.items) ? data.items : [];
        if (seen) {
          current.forEach(function (item) {
            if (item.status === "open" && !seen[item.id]) notify(item);
          });
        }
        seen = {};
        current.forEach(function (item) {
          seen[item.id] = true;
        });
        render(current);
      } else if (type === "activity") {
        lastText[data.conversation_id] = data.last_customer_text || "";
        render(current);
      }
    }, document.querySelector('[data-testid="live-state"]'));
  }

  // ----------------------------------------------------------- conversation page

  function conversationPage() {
    var root = document.querySelector("[data-conversation]");
    var conversationId = root.getAttribute("data-conversation");
    var ticketId = root.getAttribute("data-ticket");
    var list = document.querySelector("[data-transcript]");
    var more = document.querySelector("[data-more]");
    var botState = document.querySelector("[data-bot-state]");
    var base = "/console/api/conversations/" + encodeURIComponent(conversationId);
    var first = null;
    var last = -1;
    var loading = false;

    function itemNode(item) {
      var li = el("li", "msg msg-" + item.kind);
      li.setAttribute("data-index", String(item.index));
      li.setAttribute("data-testid", "msg-" + item.kind);
      if (item.kind === "system") {
        var labels = {
          paused: "Bot paused — waiting for an agent",
          resumed: "Bot resumed",
          session_started: "New session",
        };
        li.textContent = labels[item.event] || item.event;
        return li;
      }
      var who = item.kind === "user" ? "Customer" : item.kind === "agent" ? item.agent_name || "Agent" : "Bot";
      var head = el("div", "msg-head");
      head.appendChild(el("span", "who", who));
      if (item.timestamp) {
        head.appendChild(el("time", "when", new Date(item.timestamp * 1000).toLocaleTimeString()));
      }
      li.appendChild(head);
      li.appendChild(el("div", "msg-text", item.text));
      if (item.buttons && item.buttons.length) {
        li.appendChild(el("div", "msg-buttons", "Buttons: " + item.buttons.join(" · ")));
      }
      if (item.kind === "user") {
        var meta = el("div", "msg-meta");
        meta.setAttribute("data-testid", "nlu-meta");
        var parts = [];
        if (item.intent) parts.push("intent " + item.intent);
        if (item.confidence !== null && item.confidence !== undefined) {
          parts.push("confidence " + Number(item.confidence).toFixed(2));
        }
        if (item.sentiment_label) {
          var score = item.sentiment_score !== null && item.sentiment_score !== undefined;
          parts.push("sentiment " + item.sentiment_label + (score ? " " + Number(item.sentiment_score).toFixed(2) : ""));
        } else {
          parts.push("sentiment —");
        }
        if (item.language) parts.push(item.language);
        meta.textContent = parts.join(" · ");
        li.appendChild(meta);
      }
      return li;
    }

    function add(items, prepend) {
      var fragment = document.createDocumentFragment();
      items.forEach(function (item) {
        if (list.querySelector('[data-index="' + item.index + '"]')) return;
        fragment.appendChild(itemNode(item));
      });
      if (prepend) list.insertBefore(fragment, list.firstChild);
      else list.appendChild(fragment);
      items.forEach(function (item) {
        if (first === null || item.index < first) first = item.index;
        if (item.index > last) last = item.index;
      });
    }

    function setBot(paused) {
      botState.textContent = paused ? "bot paused" : "bot active";
      botState.classList.toggle("is-paused", paused);
    }

    function load(query, prepend) {
      return api("GET", base + "/transcript" + query).then(function (page) {
        var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        add(page.items || [], prepend);
        setBot(!!page.paused);
        if (!prepend && atBottom) list.scrollTop = list.scrollHeight;
        return page;
      });
    }

    function refresh() {
      if (loading) return;
      loading = true;
      load("?after=" + last, false)
        .catch(function (error) {
          toast(error.message, true);
        })
        .then(function () {
          loading = false;
        });
    }

    load("", false)
      .then(function (page) {
        more.hidden = !page.more;
        list.scrollTop = list.scrollHeight;
      })
      .catch(function (error) {
        list.appendChild(el("li", "msg msg-system", "Transcript not available: " + error.message));
      });

    more.addEventListener("click", function () {
      var height = list.scrollHeight;
      load("?before=" + first, true).then(function (page) {
        more.hidden = !page.more;
        list.scrollTop = list.scrollHeight - height;
      });
    });

    stream(function (type, data) {
      if (type === "activity" && data.conversation_id === conversationId && data.last_index > last) {
        refresh();
      }
      if (type === "queue") {
        var mine = (data.items || []).filter(function (item) {
          return String(item.id) === ticketId;
        })[0];
        var state = document.querySelector("[data-ticket-state]");
        if (mine && state) {
          state.textContent = mine.status + (mine.assignee_name ? " — " + mine.assignee_name : "");
        }
      }
    });

    function act(button, method, url, payload, done) {
      if (button) button.disabled = true;
      return api(method, url, payload)
        .then(done)
        .catch(function (error) {
          toast(error.message, true);
        })
        .then(function () {
          if (button) button.disabled = false;
        });
    }

    var claim = document.querySelector("[data-claim]");
    if (claim) {
      claim.addEventListener("click", function () {
        act(claim, "POST", "/console/api/tickets/" + ticketId + "/claim", undefined, function () {
          window.location.reload();
        });
      });
    }
    var assign = document.querySelector("[data-assign]");
    if (assign) {
      assign.addEventListener("change", function () {
        if (!assign.value) return;
        act(null, "POST", "/console/api/tickets/" + ticketId + "/assign", { staff_id: Number(assign.value) }, function () {
          window.location.reload();
        });
      });
    }
    var reply = document.querySelector("[data-reply]");
    if (reply) {
      var text = reply.querySelector("textarea");
      var lastTyping = 0;
      text.addEventListener("input", function () {
        var now = Date.now();
        if (now - lastTyping > 3000 && text.value.trim()) {
          lastTyping = now;
          api("POST", base + "/typing").catch(function () {});
        }
      });
      text.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          reply.requestSubmit();
        }
      });
      reply.addEventListener("submit", function (event) {
        event.preventDefault();
        var value = text.value.trim();
        if (!value) return;
        var send = reply.querySelector("button");
        act(send, "POST", base + "/reply", { text: value }, function () {
          text.value = "";
          refresh();
        });
      });
    }
    var handback = document.querySelector("[data-handback]");
    if (handback) {
      handback.addEventListener("click", function () {
        if (!window.confirm("Hand this conversation back to the bot?")) return;
        act(handback, "POST", "/console/api/tickets/" + ticketId + "/handback", {}, function () {
          toast("Handed back to the bot.");
          window.setTimeout(function () {
            window.location.reload();
          }, 600);
        });
      });
    }
    var resolve = document.querySelector("[data-resolve]");
    if (resolve) {
      resolve.addEventListener("submit", function (event) {
        event.preventDefault();
        var tags = resolve.elements.tags.value.split(",").map(function (tag) {
          return tag.trim();
        }).filter(Boolean);
        act(resolve.querySelector("button"), "POST", "/console/api/tickets/" + ticketId + "/resolve",
          { note: resolve.elements.note.value, tags: tags }, function () {
            toast("Resolved. The customer was asked for a rating.");
            window.setTimeout(function () {
              window.location.reload();
            }, 600);
          });
      });
    }
    var panel = document.querySelector("[data-customer]");
    if (panel) {
      var customer = panel.getAttribute("data-customer");
      Array.prototype.forEach.call(panel.querySelectorAll("[data-cancel-order]"), function (button) {
        button.addEventListener("click", function () {
          var number = button.getAttribute("data-cancel-order");
          var url = "/console/api/customers/" + customer + "/orders/" + encodeURIComponent(number);
          api("GET", url + "/cancellation")
            .then(function (quote) {
              if (!quote.cancellable) {
                toast("Order " + number + " can no longer be cancelled (" + quote.status + ").", true);
                return;
              }
              var question = "Cancel order " + number + "? Fee " + quote.fee + " " + quote.currency +
                ", refund " + quote.refund_amount + " " + quote.currency + ".";
              if (!window.confirm(question)) return;
              return act(button, "POST", url + "/cancel", { accept_fee: quote.fee }, function () {
                toast("Order " + number + " cancelled.");
                window.setTimeout(function () {
                  window.location.reload();
                }, 800);
              });
            })
            .catch(function (error) {
              toast(error.message, true);
            });
        });
      });
      var offer = panel.querySelector("[data-offer]");
      if (offer) {
        offer.addEventListener("click", function () {
          act(offer, "POST", "/console/api/customers/" + customer + "/retention-offer", {}, function (data) {
            toast("Offer made: " + data.offer);
          });
        });
      }
    }
  }

  function boot() {
    var page = body.getAttribute("data-page");
    if (page === "queue") queuePage();
    else if (page === "conversation") conversationPage();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
  void myId;
})();
