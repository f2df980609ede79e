/* Boots the chat widget on the storefront from the JSON config the server embedded. */
(function () {
  "use strict";

  function readConfig() {
    var node = document.getElementById("shopchat-config");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent || "null");
    } catch (err) {
      return null;
    }
  }

  function boot() {
    var config = readConfig();
    if (!config || typeof config.rasaUrl !== "string" || !window.ShopChat) return;
    window.ShopChat.init({ rasaUrl: config.rasaUrl, open: config.open === true });
    var openers = document.querySelectorAll("[data-shopchat-open]");
    Array.prototype.forEach.call(openers, function (button) {
      button.addEventListener("click", function () {
        window.ShopChat.open();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
