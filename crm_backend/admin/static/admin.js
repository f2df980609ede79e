/*
 * Admin pages: NLU inbox annotations, retraining job progress, promotion / rollback.
 * Vanilla JS; text is written with textContent only.
 */
(function () {
  "use strict";

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function toast(message, isError) {
    var box = document.querySelector(".toast");
    if (!box) return;
    box.textContent = message;
    box.classList.toggle("toast-error", !!isError);
    box.hidden = false;
    window.clearTimeout(toast.timer);
    toast.timer = window.setTimeout(function () { box.hidden = true; }, 5000);
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
    return fetch(url, options).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (data) {
        if (!answer.ok) {
          var detail = data && (data.message || data.detail);
          throw new Error(typeof detail === "string" ? detail : "Request failed (" + answer.status + ")");
        }
        return data;
      });
    });
  }

  // Entity marks: offsets in code points (Python's str indices) of the message text.
  function codePoints(text) { return Array.from(text).length; }

  function marksOf(row) {
    return Array.prototype.map.call(row.querySelectorAll(".entity-marks li"), function (item) {
      return { start: +item.dataset.start, end: +item.dataset.end, entity: item.dataset.entity, text: item.dataset.text };
    });
  }

  function showMark(list, mark) {
    var item = document.createElement("li");
    item.dataset.start = mark.start;
    item.dataset.end = mark.end;
    item.dataset.entity = mark.entity;
    if (mark.text !== undefined) item.dataset.text = mark.text;
    item.textContent = mark.entity + ": " + mark.text;
    list.appendChild(item);
  }

  function mark(row) {
    var box = row.querySelector(".msg-text");
    var selection = window.getSelection();
    if (!box || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
      toast("Select words of the message first.", true); return;
    }
    var range = selection.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) {
      toast("Select words inside this message.", true); return;
    }
    var before = document.createRange();
    before.selectNodeContents(box);
    before.setEnd(range.startContainer, range.startOffset);
    var prefix = before.toString();
    var chosen = range.toString();
    var start = codePoints(prefix);
    var entity = row.querySelector('[data-field="entity-type"]').value;
    showMark(row.querySelector(".entity-marks"), { start: start, end: start + codePoints(chosen), entity: entity, text: chosen });
    selection.removeAllRanges();
  }

  function annotate(row, status) {
    var payload = { conversation_id: row.dataset.conversation, key: row.dataset.key, status: status };
    if (status === "corrected") {
      var input = row.querySelector("input[list]");
      payload.intent = input ? input.value.trim() : "";
      if (!payload.intent) { toast("Type or pick the correct intent first.", true); return; }
      var fresh = row.querySelector('[data-field="new-intent"]');
      payload.new_intent = !!(fresh && fresh.checked);
    }
    if (status !== "noise") payload.entities = marksOf(row);
    api("POST", "/console/api/admin/nlu/annotations", payload).then(function (view) {
      var cell = row.querySelector('[data-testid="annotation"]');
      if (cell) cell.textContent = view.status + (view.intent ? ": " + view.intent : "") + (view.new_intent ? " (new intent)" : "");
      var list = row.querySelector(".entity-marks");
      if (list) {
        list.textContent = "";
        (view.entities || []).forEach(function (saved) { showMark(list, saved); });
      }
      toast("Saved.");
    }).catch(function (error) { toast(error.message, true); });
  }

  var jobTimer = null;

  function showJob(job) {
    var box = document.querySelector('[data-testid="job"]');
    if (!box || !job) return;
    box.hidden = false;
    ["id", "state", "stage", "error", "log"].forEach(function (name) {
      var node = box.querySelector('[data-field="' + name + '"]');
      if (node) node.textContent = job[name] || "";
    });
    var bar = box.querySelector('[data-field="progress"]');
    if (bar) bar.value = job.progress || 0;
    var log = box.querySelector('[data-field="log"]');
    if (log) log.scrollTop = log.scrollHeight;
  }

  function pollJob() {
    api("GET", "/console/api/admin/models/job").then(function (data) {
      showJob(data.job);
      if (data.running) {
        jobTimer = window.setTimeout(pollJob, 2000);
      } else if (jobTimer !== null) {
        jobTimer = null;
        toast(data.job && data.job.state === "succeeded" ? "Training finished." : "Training stopped.", data.job && data.job.state !== "succeeded");
        window.setTimeout(function () { window.location.reload(); }, 1500);
      }
    }).catch(function (error) { toast(error.message, true); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var action = button.dataset.action;
    var row = button.closest("tr");
    if (action === "confirm") annotate(row, "confirmed");
    else if (action === "correct") annotate(row, "corrected");
    else if (action === "noise") annotate(row, "noise");
    else if (action === "mark") mark(row);
    else if (action === "unmark") row.querySelector(".entity-marks").textContent = "";
    else if (action === "export") {
      api("POST", "/console/api/admin/nlu/export").then(function (data) {
        var note = data.new_intents && data.new_intents.length ? "; new intents (not in domain.yml, retraining adds them): " + data.new_intents.join(", ") : "";
        toast("Exported: training " + JSON.stringify(data.train) + ", held out " + JSON.stringify(data.test) + note);
      }).catch(function (error) { toast(error.message, true); });
    } else if (action === "train") {
      button.disabled = true;
      api("POST", "/console/api/admin/models/train").then(function () {
        jobTimer = 0;
        pollJob();
      }).catch(function (error) { toast(error.message, true); }).then(function () { button.disabled = false; });
    } else if (action === "promote") {
      button.disabled = true;
      api("POST", "/console/api/admin/models/" + encodeURIComponent(row.dataset.version) + "/promote").then(function (data) {
        toast((data.rollback ? "Rolled back to " : "Now serving ") + data.live + ".");
        window.setTimeout(function () { window.location.reload(); }, 1000);
      }).catch(function (error) { toast(error.message, true); button.disabled = false; });
    }
  });

  if (document.querySelector('[data-testid="job"]')) {
    api("GET", "/console/api/admin/models/job").then(function (data) {
      if (data.running) { jobTimer = 0; showJob(data.job); pollJob(); }
    }).catch(function () {});
  }
})();
