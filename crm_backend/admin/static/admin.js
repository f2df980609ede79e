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

  function annotate(row, status) {
    var payload = { conversation_id: row.dataset.conversation, key: row.dataset.key, status: status };
    if (status === "corrected") {
      var input = row.querySelector("input[list]");
      payload.intent = input ? input.value.trim() : "";
      if (!payload.intent) { toast("Type or pick the correct intent first.", true); return; }
    }
    api("POST", "/console/api/admin/nlu/annotations", payload).then(function (view) {
      var cell = row.querySelector('[data-testid="annotation"]');
      if (cell) cell.textContent = view.status + (view.intent ? ": " + view.intent : "");
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
    else if (action === "export") {
      api("POST", "/console/api/admin/nlu/export").then(function (data) {
        toast("Exported: training " + JSON.stringify(data.train) + ", held out " + JSON.stringify(data.test));
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
